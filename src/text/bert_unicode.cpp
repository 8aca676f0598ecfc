#include "text/bert_unicode.hpp"

#include <algorithm>

namespace mha::text {
namespace {

// Value of the last run starting at or before the code point.
uint8_t run_value(const uint32_t* starts, const uint8_t* values, size_t count, char32_t code_point) {
  if (code_point > 0x10FFFF) return 0;
  const uint32_t* run = std::upper_bound(starts, starts + count, static_cast<uint32_t>(code_point)) - 1;
  return values[run - starts];
}

CodePointSpan find_mapping(const bert_tables::CodePointMapping* table, size_t count, char32_t code_point) {
  const bert_tables::CodePointMapping* end = table + count;
  const auto* entry = std::lower_bound(
      table, end, code_point, [](const bert_tables::CodePointMapping& m, char32_t c) { return m.code_point < c; });
  if (entry == end || entry->code_point != code_point) return {};
  return {bert_tables::mapping_pool + entry->offset, entry->length};
}

// Hangul syllables (Unicode section 3.12): S = 0xAC00 + (L * 21 + V) * 28 + T.
constexpr char32_t kHangulFirst = 0xAC00, kHangulLast = 0xD7A3;
constexpr char32_t kLeadFirst = 0x1100, kVowelFirst = 0x1161, kTrailBase = 0x11A7;
constexpr char32_t kVowelCount = 21, kTrailCount = 28;

}  // namespace

uint8_t bert_char_flags(char32_t code_point) {
  return run_value(bert_tables::flag_run_starts, bert_tables::flag_run_values, bert_tables::flag_run_count, code_point);
}

uint8_t canonical_combining_class(char32_t code_point) {
  return run_value(bert_tables::combining_run_starts, bert_tables::combining_run_values,
                   bert_tables::combining_run_count, code_point);
}

CodePointSpan canonical_decomposition(char32_t code_point, char32_t (&hangul)[3]) {
  if (code_point >= kHangulFirst && code_point <= kHangulLast) {
    const char32_t index = code_point - kHangulFirst;
    hangul[0] = kLeadFirst + index / (kVowelCount * kTrailCount);
    hangul[1] = kVowelFirst + (index % (kVowelCount * kTrailCount)) / kTrailCount;
    hangul[2] = kTrailBase + index % kTrailCount;
    return {hangul, index % kTrailCount == 0 ? size_t{2} : size_t{3}};
  }
  return find_mapping(bert_tables::decompositions, bert_tables::decomposition_count, code_point);
}

CodePointSpan lowercase_mapping(char32_t code_point) {
  return find_mapping(bert_tables::lowercase, bert_tables::lowercase_count, code_point);
}

}  // namespace mha::text
