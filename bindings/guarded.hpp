// How the Embind surfaces report failure: every bound method runs its body through guarded(), which
// returns "" on success or "<Kind>: <message>", so that no C++ exception crosses into JavaScript. The
// wrapper (bindings/js/runtime.js) turns the kind into the documented JS error class.
#pragma once

#include <new>
#include <string>

#include "errors.hpp"

namespace mha::bindings {

template <typename Body>
std::string guarded(Body&& body) {
  try {
    body();
    return "";
  } catch (const FormatError& e) {
    return std::string("FormatError: ") + e.what();
  } catch (const ArgumentError& e) {
    return std::string("ArgumentError: ") + e.what();
  } catch (const std::bad_alloc&) {
    return "OutOfMemory: the wasm heap cannot grow enough for this call";
  } catch (const std::exception& e) {
    return std::string("Error: ") + e.what();
  }
}

}  // namespace mha::bindings
