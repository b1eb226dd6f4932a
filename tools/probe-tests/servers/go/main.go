// Go's net/http with github.com/rs/cors (Debian's golang-github-rs-cors-dev), in the configurations
// corshdr probe is tested against.
//
//	server CONFIG
//
// Listens on 127.0.0.1 on an ephemeral port and prints {"port": N} as one line on stdout once it accepts
// connections. Exits when stdin closes, so a test that dies never leaves it behind. The ground truth of
// each configuration is in ../GROUND-TRUTH.md. Built offline from Debian's sources in GOPATH mode
// (tools/probe-tests/test_probe.py: GO111MODULE=off GOPATH=/usr/share/gocode).
package main

import (
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"strings"

	"github.com/rs/cors"
)

const site = "https://app.example.com"

var common = cors.Options{
	AllowedMethods:   []string{http.MethodGet, http.MethodPut},
	AllowedHeaders:   []string{"Content-Type", "Authorization"},
	ExposedHeaders:   []string{"X-Request-Id"},
	AllowCredentials: true,
	MaxAge:           600,
}

func configs(name string) (cors.Options, bool) {
	o := common
	switch name {
	case "wildcard-subdomain":
		// Every subdomain trusted on purpose, through rs/cors's one-wildcard pattern.
		o.AllowedOrigins = []string{"https://*.example.com"}
	case "suffix":
		// A hand-written check that the origin "ends with our domain": evilexample.com ends with it too,
		// and so does http://app.example.com.
		o.AllowOriginFunc = func(origin string) bool { return strings.HasSuffix(origin, "example.com") }
	case "list":
		// An exact allow-list: the correct configuration.
		o.AllowedOrigins = []string{site, "https://admin.example.com"}
	default:
		return o, false
	}
	return o, true
}

func main() {
	if len(os.Args) != 2 {
		fmt.Fprintln(os.Stderr, "usage: server wildcard-subdomain|suffix|list")
		os.Exit(2)
	}
	options, ok := configs(os.Args[1])
	if !ok {
		fmt.Fprintln(os.Stderr, "usage: server wildcard-subdomain|suffix|list")
		os.Exit(2)
	}
	mux := http.NewServeMux()
	mux.HandleFunc("/api/data", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("X-Request-Id", "42")
		w.Header().Set("Content-Type", "application/json")
		json.NewEncoder(w).Encode(map[string]string{"config": os.Args[1]})
	})
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	go func() {
		io.Copy(io.Discard, os.Stdin)
		os.Exit(0)
	}()
	fmt.Printf("{\"port\": %d}\n", ln.Addr().(*net.TCPAddr).Port)
	http.Serve(ln, cors.New(options).Handler(mux))
}
