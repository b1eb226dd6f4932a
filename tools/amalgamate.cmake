# Writes OUT/corshdr.h (the public header) and OUT/corshdr.c (every source, internal.h inlined once), so
# that `cc -c corshdr.c` builds the whole library from two files.
# Run: cmake -DSRC=top -DOUT=dir -DSOURCES=a.c,b.c,... -P this (CMakeLists.txt passes its source list).
string(REPLACE "," ";" sources "${SOURCES}")
file(MAKE_DIRECTORY ${OUT})
configure_file(${SRC}/parser/include/corshdr.h ${OUT}/corshdr.h COPYONLY)
file(READ ${SRC}/parser/src/internal.h internal)
string(REPLACE "#include \"corshdr.h\"" "" internal "${internal}")
set(text "/* corshdr amalgamation: generated from parser/src by tools/amalgamate.cmake; do not edit. */\n")
string(APPEND text "#include \"corshdr.h\"\n${internal}\n")
foreach(s ${sources})
  file(READ ${SRC}/parser/src/${s} body)
  string(REPLACE "#include \"internal.h\"" "" body "${body}")
  string(APPEND text "/* ---- ${s} ---- */\n${body}\n")
endforeach()
file(WRITE ${OUT}/corshdr.c.tmp "${text}")
file(RENAME ${OUT}/corshdr.c.tmp ${OUT}/corshdr.c)
