// The strict JSON parser: valid documents decode exactly, and every class of malformed input gives a
// FormatError "json: <what> at byte N" with the right offset.
#include <catch_amalgamated.hpp>
#include <cmath>
#include <string>

#include "io/json.hpp"

using namespace mha;
using Catch::Matchers::ContainsSubstring;
using Catch::Matchers::Equals;

namespace {

json::Value parse(const std::string& text) { return json::parse(text); }

// The message of the FormatError thrown for `text` ("" when it parses).
std::string error_of(const std::string& text, const json::ParseLimits& limits = {}) {
  try {
    json::parse(text, limits);
  } catch (const FormatError& error) {
    return error.what();
  }
  return "";
}

}  // namespace

TEST_CASE("json: a document with every value type", "[json]") {
  const json::Value v = parse(R"( {"null": null, "t": true, "f": false, "n": -12.5e1, "s": "x",
                                   "a": [1, [2, {}], []], "o": {"k": "v"}} )");
  REQUIRE(v.is_object());
  REQUIRE(v.object.size() == 7);
  CHECK(v.object[0].first == "null");  // file order is kept
  CHECK(v.object[6].first == "o");
  CHECK(v.find("null")->is_null());
  CHECK(v.find("t")->type == json::Value::Type::boolean);
  CHECK(v.find("t")->boolean);
  CHECK_FALSE(v.find("f")->boolean);
  CHECK(v.find("n")->number == -125.0);
  CHECK(v.find("s")->string == "x");
  const json::Value& a = *v.find("a");
  REQUIRE(a.array.size() == 3);
  CHECK(a.array[1].array[0].number == 2.0);
  CHECK(a.array[1].array[1].is_object());
  CHECK(a.array[2].array.empty());
  CHECK(v.find("o")->find("k")->string == "v");
  CHECK(v.find("missing") == nullptr);
  CHECK(a.find("k") == nullptr);  // not an object
}

TEST_CASE("json: scalars at the top level and surrounding whitespace", "[json]") {
  CHECK(parse("0").number == 0.0);
  CHECK(parse(" \t\r\n\"s\" \n").string == "s");
  CHECK(parse("null").is_null());
  CHECK(parse("\xEF\xBB\xBF[1]").array.size() == 1);  // a UTF-8 byte order mark is skipped
}

TEST_CASE("json: numbers follow the grammar and convert exactly", "[json]") {
  CHECK(parse("-0").number == 0.0);
  CHECK(std::signbit(parse("-0").number));
  CHECK(parse("1.5").number == 1.5);
  CHECK(parse("-2.5e-3").number == -2.5e-3);
  CHECK(parse("1E+10").number == 1e10);
  CHECK(parse("1e-2").number == 0.01);
  CHECK(parse("50256").number == 50256.0);
  CHECK(parse("999999999999999").number == 999999999999999.0);    // fast path, 15 digits
  CHECK(parse("9007199254740993").number == 9007199254740992.0);  // nearest double
  CHECK(parse("12345678901234567890").number == 12345678901234567890.0);
  CHECK(parse("5e-324").number == 5e-324);  // smallest subnormal
  CHECK(parse("1e-400").number == 0.0);     // underflow is not an error
  CHECK(parse("1.7976931348623157e308").number == 1.7976931348623157e308);
}

TEST_CASE("json: strings decode every escape and keep raw UTF-8", "[json]") {
  CHECK(parse(R"("\"\\\/\b\f\n\r\t")").string == "\"\\/\b\f\n\r\t");
  CHECK(parse(R"("\u0041\u00e9\u00E9")").string == "A\xC3\xA9\xC3\xA9");
  CHECK(parse(R"("\u4e2d")").string == "\xE4\xB8\xAD");
  CHECK(parse(R"("\u0000")").string == std::string(1, '\0'));
  CHECK(parse(R"("\ud83d\ude00")").string == "\xF0\x9F\x98\x80");  // surrogate pair -> U+1F600
  CHECK(parse(R"("\uDBFF\uDFFF")").string == "\xF4\x8F\xBF\xBF");  // U+10FFFF
  CHECK(parse("\"\xC4\xA0the caf\xC3\xA9 \xE4\xB8\xAD \xF0\x9F\x98\x80\"").string ==
        "\xC4\xA0the caf\xC3\xA9 \xE4\xB8\xAD \xF0\x9F\x98\x80");
  CHECK(parse("\"\x7F\"").string == "\x7F");  // DEL is not a control character in JSON
}

TEST_CASE("json: a vocab.json-sized object parses and finds duplicates", "[json]") {
  std::string text = "{";
  for (int i = 0; i < 50000; ++i) text += (i ? ",\"t" : "\"t") + std::to_string(i) + "\":" + std::to_string(i);
  const json::Value v = parse(text + "}");
  REQUIRE(v.object.size() == 50000);
  CHECK(v.object[49999].first == "t49999");
  CHECK(v.object[49999].second.number == 49999.0);
  // The first repeated key in file order is reported, at its own offset.
  const std::string duplicated = text + ",\"t7\":1,\"t3\":2}";
  CHECK_THAT(error_of(duplicated), Equals("json: duplicate key \"t7\" at byte " + std::to_string(text.size() + 1)));
}

TEST_CASE("json: syntax errors name what was expected and where", "[json]") {
  CHECK_THAT(error_of(""), Equals("json: unexpected end of text, expected a value at byte 0"));
  CHECK_THAT(error_of("   "), Equals("json: unexpected end of text, expected a value at byte 3"));
  CHECK_THAT(error_of("1 2"), Equals("json: unexpected '2' after the value at byte 2"));
  CHECK_THAT(error_of("{} x"), Equals("json: unexpected 'x' after the value at byte 3"));
  CHECK_THAT(error_of("[1,]"), Equals("json: unexpected ']', expected a value at byte 3"));
  CHECK_THAT(error_of("[1 2]"), Equals("json: unexpected '2', expected ',' or ']' in an array at byte 3"));
  CHECK_THAT(error_of("[1"), Equals("json: unexpected end of text, expected ',' or ']' in an array at byte 2"));
  CHECK_THAT(error_of("{'a':1}"), Equals("json: unexpected ''', expected a string key at byte 1"));
  CHECK_THAT(error_of("{\"a\":1,}"), Equals("json: unexpected '}', expected a string key at byte 7"));
  CHECK_THAT(error_of("{\"a\" 1}"), Equals("json: unexpected '1', expected ':' after an object key at byte 5"));
  CHECK_THAT(error_of("{\"a\":1 \"b\":2}"),
             Equals("json: unexpected '\"', expected ',' or '}' in an object at byte 7"));
  CHECK_THAT(error_of("{\"a\":"), Equals("json: unexpected end of text, expected a value at byte 5"));
  CHECK_THAT(error_of("tru"), Equals("json: unexpected 't', expected a value at byte 0"));
  CHECK_THAT(error_of("nulL"), Equals("json: unexpected 'n', expected a value at byte 0"));
  CHECK_THAT(error_of("[True]"), Equals("json: unexpected 'T', expected a value at byte 1"));
  CHECK_THAT(error_of("/* c */ 1"), Equals("json: unexpected '/', expected a value at byte 0"));
  CHECK_THAT(error_of("[\x01]"), Equals("json: unexpected byte 0x01, expected a value at byte 1"));
}

TEST_CASE("json: malformed numbers", "[json]") {
  CHECK_THAT(error_of("01"), Equals("json: invalid number (leading zero, got '1') at byte 0"));
  CHECK_THAT(error_of("[-00]"), Equals("json: invalid number (leading zero, got '0') at byte 1"));
  CHECK_THAT(error_of("-"), Equals("json: invalid number (expected a digit, got the end of text) at byte 0"));
  CHECK_THAT(error_of("-x"), Equals("json: invalid number (expected a digit, got 'x') at byte 0"));
  CHECK_THAT(error_of("1."),
             Equals("json: invalid number (expected a digit after '.', got the end of text) at byte 0"));
  CHECK_THAT(error_of("[1.e5]"), Equals("json: invalid number (expected a digit after '.', got 'e') at byte 1"));
  CHECK_THAT(error_of("1e"),
             Equals("json: invalid number (expected a digit in the exponent, got the end of text) at byte 0"));
  CHECK_THAT(error_of("1e+"), ContainsSubstring("expected a digit in the exponent"));
  CHECK_THAT(error_of("+1"), Equals("json: unexpected '+', expected a value at byte 0"));
  CHECK_THAT(error_of(".5"), Equals("json: unexpected '.', expected a value at byte 0"));
  CHECK_THAT(error_of("NaN"), Equals("json: unexpected 'N', expected a value at byte 0"));
  CHECK_THAT(error_of("-Infinity"), Equals("json: invalid number (expected a digit, got 'I') at byte 0"));
  CHECK_THAT(error_of("0x10"), Equals("json: unexpected 'x' after the value at byte 1"));
  CHECK_THAT(error_of("[1e400]"), Equals("json: number \"1e400\" is out of the range of double at byte 1"));
  CHECK_THAT(error_of("-1e309"), ContainsSubstring("out of the range of double at byte 0"));
}

TEST_CASE("json: malformed strings", "[json]") {
  CHECK_THAT(error_of("\"abc"),
             Equals("json: unterminated string (no closing quote before the end of text) at byte 0"));
  CHECK_THAT(error_of("[\"a\\\"]"), ContainsSubstring("unterminated string"));
  CHECK_THAT(error_of("\"a\nb\""), Equals("json: raw control character byte 0x0a in a string (escape it, e.g. \\n or "
                                          "\\u00XX) at byte 2"));
  CHECK_THAT(error_of(std::string("\"a\0\"", 4)), ContainsSubstring("raw control character byte 0x00 in a string"));
  CHECK_THAT(error_of("\"\\x41\""), Equals("json: invalid escape '\\x' (expected one of \\\" \\\\ \\/ \\b \\f \\n \\r "
                                           "\\t \\uXXXX) at byte 1"));
  CHECK_THAT(error_of("\"\\"), Equals("json: unexpected end of text in an escape at byte 1"));
  CHECK_THAT(error_of("\"\\u12G4\""), Equals("json: invalid hex digit 'G' in a \\u escape at byte 5"));
  CHECK_THAT(error_of("\"\\u12"), Equals("json: unexpected end of text in a \\u escape at byte 3"));
  CHECK_THAT(error_of("\"\\ud800\""), Equals("json: lone high surrogate \\ud800 in a string (expected a "
                                             "\\uDC00-\\uDFFF escape after it) at byte 1"));
  CHECK_THAT(error_of("\"x\\udfff\""), Equals("json: lone low surrogate \\udfff in a string at byte 2"));
  CHECK_THAT(error_of("\"\\ud83d\\u0041\""), Equals("json: high surrogate \\ud83d followed by \\u0041, not by a "
                                                    "low surrogate at byte 1"));
  CHECK_THAT(error_of("\"\\ud83d\\ud83d\""), ContainsSubstring("not by a low surrogate"));
}

TEST_CASE("json: bytes that are not UTF-8 are rejected inside strings", "[json]") {
  CHECK_THAT(error_of("\"\xFF\""), Equals("json: invalid UTF-8 lead byte 0xff in a string at byte 1"));
  CHECK_THAT(error_of("\"\x80\""), Equals("json: invalid UTF-8 lead byte 0x80 in a string at byte 1"));
  CHECK_THAT(error_of("\"\xC0\x80\""), ContainsSubstring("invalid UTF-8 lead byte 0xc0"));  // overlong NUL
  CHECK_THAT(error_of("\"\xE0\x80\xAF\""), Equals("json: invalid UTF-8 sequence in a string at byte 1"));  // overlong
  CHECK_THAT(error_of("\"\xED\xA0\x80\""), Equals("json: invalid UTF-8 sequence in a string at byte 1"));  // U+D800
  CHECK_THAT(error_of("\"\xF4\x90\x80\x80\""),
             Equals("json: invalid UTF-8 sequence in a string at byte 1"));  // > U+10FFFF
  CHECK_THAT(error_of("\"\xF5\x80\x80\x80\""), ContainsSubstring("invalid UTF-8 lead byte 0xf5"));
  CHECK_THAT(error_of("\"ab\xC3\""), Equals("json: invalid UTF-8 sequence in a string at byte 3"));
  CHECK_THAT(error_of("\"\xE4\xB8"), Equals("json: truncated UTF-8 sequence in a string at byte 1"));
  CHECK_THAT(error_of("{\"\xC3\x28\":1}"), ContainsSubstring("invalid UTF-8 sequence in a string at byte 2"));
}

TEST_CASE("json: duplicate keys are rejected at the repeated key", "[json]") {
  CHECK_THAT(error_of(R"({"a":1,"b":2,"a":3})"), Equals("json: duplicate key \"a\" at byte 13"));
  CHECK_THAT(error_of(R"({"x":{"k":1,"k":1}})"), Equals("json: duplicate key \"k\" at byte 12"));
  CHECK_THAT(error_of(R"({"\u0061":1,"a":2})"), ContainsSubstring("duplicate key \"a\""));  // compared decoded
  CHECK(parse(R"([{"a":1},{"a":2}])").array.size() == 2);  // the same key in sibling objects is fine
  // Long or unprintable keys are shortened and escaped in the message.
  const std::string long_key(200, 'k');
  CHECK_THAT(error_of("{\"" + long_key + "\":1,\"" + long_key + "\":2}"),
             ContainsSubstring("duplicate key \"" + std::string(48, 'k') + "\"... at byte"));
  CHECK_THAT(error_of(R"({"\n":1,"\n":2})"), ContainsSubstring("duplicate key \"\\x0a\" at byte 8"));
}

TEST_CASE("json: depth and size limits", "[json]") {
  const auto nested = [](int depth) { return std::string(depth, '[') + std::string(depth, ']'); };
  CHECK(parse(nested(64)).is_array());
  CHECK_THAT(error_of(nested(65)), Equals("json: nesting deeper than the limit of 64 at byte 64"));
  CHECK_THAT(error_of(std::string(100000, '[')), Equals("json: nesting deeper than the limit of 64 at byte 64"));
  CHECK_THAT(error_of("{\"a\":" + nested(64) + "}"), ContainsSubstring("nesting deeper than the limit of 64"));
  json::ParseLimits limits;
  limits.max_depth = 2;
  CHECK_NOTHROW(json::parse("[[1]]", limits));
  CHECK_THAT(error_of("[[[1]]]", limits), Equals("json: nesting deeper than the limit of 2 at byte 2"));
  limits.max_bytes = 4;
  CHECK_NOTHROW(json::parse("[[]]", limits));
  CHECK_THAT(error_of("[[ ]]", limits), Equals("json: text of 5 bytes is longer than the limit of 4 bytes at byte 0"));
  json::ParseLimits values;
  values.max_values = 4;
  CHECK(json::parse(R"({"a":[1,2]})", values).find("a")->array.size() == 2);  // object, array, 1, 2
  CHECK_THAT(error_of(R"({"a":[1,2,3]})", values), Equals("json: more values than the limit of 4 at byte 10"));
  CHECK_THAT(error_of(std::string(1 << 23, '[')), ContainsSubstring("nesting deeper"));
  CHECK(json::ParseLimits{}.max_values == 4194304);
  values.max_values = 1000;
  std::string zeros = "[0";
  for (int i = 0; i < 1000; ++i) zeros += ",0";
  CHECK_THAT(error_of(zeros + "]", values), Equals("json: more values than the limit of 1000 at byte 1999"));
}

TEST_CASE("json: type names", "[json]") {
  CHECK_THAT(json::type_name(json::Value::Type::null), Equals("null"));
  CHECK_THAT(json::type_name(json::Value::Type::boolean), Equals("boolean"));
  CHECK_THAT(json::type_name(json::Value::Type::number), Equals("number"));
  CHECK_THAT(json::type_name(json::Value::Type::string), Equals("string"));
  CHECK_THAT(json::type_name(json::Value::Type::array), Equals("array"));
  CHECK_THAT(json::type_name(json::Value::Type::object), Equals("object"));
}
