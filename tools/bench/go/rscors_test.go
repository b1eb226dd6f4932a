// The same policy and requests as corshdr-bench's policy-* workloads, through rs/cors (Debian's
// golang-github-rs-cors-dev), as a whole net/http handler: what a Go server pays per request.
// Run by tools/bench/peers.sh, never by the test command.
package rscorsbench

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/rs/cors"
)

const ua = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/156.0.0.0 Safari/537.36"

func handler() http.Handler {
	c := cors.New(cors.Options{
		AllowedOrigins:   []string{"https://app.example.com", "https://admin.example.com", "https://*.tenant.example.com"},
		AllowedMethods:   []string{"PUT", "PATCH", "DELETE"},
		AllowedHeaders:   []string{"content-type", "authorization", "x-trace-id", "x-requested-with"},
		ExposedHeaders:   []string{"x-request-id"},
		AllowCredentials: true,
		MaxAge:           7200,
	})
	return c.Handler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {}))
}

func request(method, acrh string) *http.Request {
	r := httptest.NewRequest(method, "https://api.example.com/x", nil)
	r.Header.Set("Connection", "keep-alive")
	r.Header.Set("Origin", "https://app.example.com")
	r.Header.Set("User-Agent", ua)
	r.Header.Set("Sec-Fetch-Mode", "cors")
	r.Header.Set("Sec-Fetch-Site", "same-site")
	r.Header.Set("Sec-Fetch-Dest", "empty")
	r.Header.Set("Referer", "https://app.example.com/")
	r.Header.Set("Accept-Encoding", "gzip, deflate, br, zstd")
	r.Header.Set("Accept-Language", "en-US,en;q=0.9")
	if method == http.MethodOptions {
		r.Header.Set("Accept", "*/*")
		r.Header.Set("Access-Control-Request-Method", "PUT")
		r.Header.Set("Access-Control-Request-Headers", acrh)
	} else {
		r.Header.Set("Accept", "application/json")
	}
	return r
}

// A ResponseWriter that keeps nothing, so the figure is the middleware's, not the recorder's.
type sink struct{ h http.Header }

func (s *sink) Header() http.Header        { return s.h }
func (s *sink) Write(b []byte) (int, error) { return len(b), nil }
func (s *sink) WriteHeader(int)             {}

func run(b *testing.B, r *http.Request) {
	h := handler()
	w := &sink{h: make(http.Header)}
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		for k := range w.h {
			delete(w.h, k)
		}
		h.ServeHTTP(w, r)
	}
}

func BenchmarkPolicyPreflight(b *testing.B) {
	run(b, request(http.MethodOptions, "content-type,x-requested-with,x-trace-id"))
}
func BenchmarkPolicyAcrhCommas(b *testing.B) {
	run(b, request(http.MethodOptions, strings.Repeat(",", 1024)))
}
func BenchmarkPolicyActual(b *testing.B) { run(b, request(http.MethodGet, "")) }
