// The character data of BERT's normalizer and pre-tokenizer, as Hugging Face `tokenizers` sees it.
// The data is generated (bert_unicode_tables.cpp, tools/unicode/make_bert_tables.py) by asking
// `tokenizers` about every code point, because its Unicode tables are older than Python's and differ
// on a few hundred code points (see the generator).
#pragma once

#include <cstddef>
#include <cstdint>

namespace mha::text {

// Per-code-point flags; the values are those written by the generator.
enum BertCharFlag : uint8_t {
  kBertCleanMask = 3,      // clean_text action, one of the three below
  kBertCleanKeep = 0,      //   kept as is
  kBertCleanDrop = 1,      //   removed (controls, format characters, private use, U+0000, U+FFFD)
  kBertCleanSpace = 2,     //   becomes ' ' (tab, line ends, space separators)
  kBertChinese = 4,        // CJK ideograph: handle_chinese_chars surrounds it with spaces
  kBertPunctuation = 8,    // the pre-tokenizer makes it a word of its own
  kBertSplitSpace = 16,    // the pre-tokenizer splits there and drops it
  kBertStrippedMark = 32,  // strip_accents removes it (a nonspacing mark, after NFD)
};

namespace bert_tables {  // bert_unicode_tables.cpp
struct CodePointMapping {
  uint32_t code_point;
  uint32_t offset;  // into mapping_pool
  uint32_t length;  // code points
};
extern const char* const source;  // "tokenizers X, Unicode Y"
extern const size_t flag_run_count;
extern const uint32_t flag_run_starts[];  // ascending from 0: the flags change at each entry
extern const uint8_t flag_run_values[];
extern const size_t combining_run_count;
extern const uint32_t combining_run_starts[];
extern const uint8_t combining_run_values[];  // canonical combining class of each run
extern const size_t mapping_pool_size;
extern const char32_t mapping_pool[];
extern const size_t decomposition_count;
extern const CodePointMapping decompositions[];  // sorted by code point; full NFD, Hangul excluded
extern const size_t lowercase_count;
extern const CodePointMapping lowercase[];  // sorted by code point; only those that change
}  // namespace bert_tables

// Flags of a code point (any value; above U+10FFFF gives 0: kept, not special).
uint8_t bert_char_flags(char32_t code_point);
// Canonical combining class (0 for starters and for values above U+10FFFF).
uint8_t canonical_combining_class(char32_t code_point);

// A code point's replacement: `count` code points at `data`, or count == 0 when it maps to itself.
struct CodePointSpan {
  const char32_t* data = nullptr;
  size_t count = 0;
};
// Full canonical decomposition (NFD) of one code point, Hangul syllables included (algorithmically).
// `hangul` receives the 2 or 3 jamo of a syllable and must outlive the returned span.
CodePointSpan canonical_decomposition(char32_t code_point, char32_t (&hangul)[3]);
// Char-wise lower-casing (Rust's char::to_lowercase): U+0130 gives two code points, others one.
CodePointSpan lowercase_mapping(char32_t code_point);

}  // namespace mha::text
