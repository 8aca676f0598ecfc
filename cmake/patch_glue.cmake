# Post-link fix of a threaded build's glue (cmake -DGLUE=<file.mjs> -P patch_glue.cmake).
# Emscripten 3.1.69 starts each pthread worker with
#   var workerOptions={type:"module",name:"em-pthread"};worker=new Worker(new URL("<glue>.mjs",import.meta.url),workerOptions)
# Vite refuses to build any app that imports such a file ("unable to parse the worker options as the value is
# not static"). The options are the same literal every time, so they are written in place; bundlers that
# understand `new Worker(new URL(..., import.meta.url), {type: "module"})` (Vite, webpack) then emit the
# worker themselves, and the others leave the line as it is.
file(READ "${GLUE}" glue)
get_filename_component(glue_name "${GLUE}" NAME)
set(from "new Worker(new URL(\"${glue_name}\",import.meta.url),workerOptions)")
set(to "new Worker(new URL(\"${glue_name}\",import.meta.url),{type:\"module\",name:\"em-pthread\"})")
string(FIND "${glue}" "${to}" already)
if(already EQUAL -1)
  string(FIND "${glue}" "${from}" found)
  if(found EQUAL -1)
    message(FATAL_ERROR "patch_glue: ${GLUE} does not start its workers as expected (${from}); check the Emscripten version")
  endif()
  string(REPLACE "${from}" "${to}" glue "${glue}")
  file(WRITE "${GLUE}" "${glue}")
endif()
