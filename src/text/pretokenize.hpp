// GPT-2's pre-tokenizer: splits text into the pieces that byte-level BPE then encodes one by one.
#pragma once

#include <string_view>
#include <vector>

namespace mha::text {

// Splits UTF-8 text exactly as Python's `regex.findall` does with GPT-2's pattern
//   's|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+
// (a hand-written scanner, no regex engine). What the pattern amounts to, in the order it is tried:
//   - a contraction at the start of a piece, lower case only: "'S" is punctuation then a letter;
//   - an optional single ' ' (U+0020, not other white space) then a run of letters, of numbers, or of
//     "other" characters (so " 's" gives " '" and "s", and "!'s" gives "!'" and "s");
//   - a run of white space at the end of the text is one piece; a run followed by something else gives
//     all but its last character as one piece, and the last character either starts the next piece
//     (a ' ' before a letter, number or other) or is a piece of its own ("\t" before "a").
// \s is Unicode White_Space, \p{L} and \p{N} the general categories L* and N* (unicode.hpp).
// Bytes that are not valid UTF-8 count as one "other" character each, so every input is split, the
// pieces are non-empty and their concatenation is the input.
// The pieces are views into `text`.
std::vector<std::string_view> pretokenize_gpt2(std::string_view text);

}  // namespace mha::text
