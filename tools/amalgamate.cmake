# Writes OUT/corshdr.h (the public header) and OUT/corshdr.c (every source, the private headers inlined once), so
# that `cc -c corshdr.c` builds the whole library from two files.
# Run: cmake -DSRC=top -DOUT=dir -DSOURCES=a.c,b.c,... -P this (CMakeLists.txt passes its source list).
string(REPLACE "," ";" sources "${SOURCES}")
file(MAKE_DIRECTORY ${OUT})
configure_file(${SRC}/parser/include/corshdr.h ${OUT}/corshdr.h COPYONLY)
file(READ ${SRC}/parser/src/internal.h internal)
string(REPLACE "#include \"corshdr.h\"" "" internal "${internal}")
# internal.h ends by including lex_simd.h: put that header there instead
file(READ ${SRC}/parser/src/lex_simd.h lex_simd)
string(REPLACE "#include \"lex_simd.h\"" "/* ---- lex_simd.h ---- */\n${lex_simd}" internal "${internal}")
set(text "/* corshdr amalgamation: generated from parser/src by tools/amalgamate.cmake; do not edit. */\n")
string(APPEND text "#include \"corshdr.h\"\n${internal}\n")
foreach(s ${sources})
  file(READ ${SRC}/parser/src/${s} body)
  string(REPLACE "#include \"internal.h\"" "" body "${body}")
  string(APPEND text "/* ---- ${s} ---- */\n${body}\n")
endforeach()
file(WRITE ${OUT}/corshdr.c.tmp "${text}")
file(RENAME ${OUT}/corshdr.c.tmp ${OUT}/corshdr.c)
