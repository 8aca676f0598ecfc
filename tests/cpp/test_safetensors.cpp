// The safetensors reader: valid files round-trip exactly (F32, F16, BF16), and every malformed file
// gives a FormatError naming the tensor and field with the expected and the actual value.
#include <catch_amalgamated.hpp>
#include <cmath>
#include <limits>
#include <string>

#include "io/safetensors.hpp"
#include "safetensors_writer.hpp"

using namespace mha;
using namespace mha::testing;
using Catch::Matchers::ContainsSubstring;
using Catch::Matchers::Equals;

namespace {

SafetensorsFile parse(const std::vector<uint8_t>& file) { return SafetensorsFile::parse(file.data(), file.size()); }

std::string error_of(const std::vector<uint8_t>& file) {
  try {
    parse(file);
  } catch (const FormatError& error) {
    return error.what();
  }
  return "";
}

// A file with one tensor entry given as JSON text and `data_bytes` bytes of data.
std::vector<uint8_t> one_entry(const std::string& entry, size_t data_bytes = 8) {
  return safetensors_from_header("{\"t\":" + entry + "}", std::vector<uint8_t>(data_bytes));
}

bool same_bits(float a, float b) { return float_bits(a) == float_bits(b); }

}  // namespace

TEST_CASE("safetensors: a multi-tensor file round-trips", "[safetensors]") {
  const std::vector<float> w = {1.0f, -2.5f, 3.0e-8f, 65504.0f, -0.0f, 1e30f};
  const std::vector<float> h = {1.0f, -2.5f, 65504.0f, 0.333251953125f};  // all exact in half
  const std::vector<float> b = {1.0f, -2.5f, 3.140625f};                  // all exact in bfloat16
  const std::vector<uint8_t> ids = {1, 2, 3, 4, 5, 6, 7, 8};
  const std::vector<uint8_t> file = write_safetensors({{"h.0.attn.c_attn.weight", "F32", {2, 3}, bytes_f32(w)},
                                                       {"half", "F16", {4}, bytes_f16(h)},
                                                       {"brain", "BF16", {3, 1}, bytes_bf16(b)},
                                                       {"ids", "I64", {1}, ids},
                                                       {"scalar", "F32", {}, bytes_f32({7.0f})},
                                                       {"empty", "F16", {0, 5}, {}}},
                                                      {{"format", "pt"}, {"note", "test"}});
  const SafetensorsFile f = parse(file);
  REQUIRE(f.tensors().size() == 6);
  CHECK(f.tensors()[0].name == "h.0.attn.c_attn.weight");  // header order
  CHECK(f.tensors()[5].name == "empty");
  CHECK(f.metadata().size() == 2);
  CHECK(f.metadata().at("format") == "pt");
  CHECK(f.data_offset() + f.data_size() == file.size());
  CHECK(f.data_offset() % 8 == 0);

  const TensorInfo* t = f.find("h.0.attn.c_attn.weight");
  REQUIRE(t != nullptr);
  CHECK(t->dtype == Dtype::F32);
  CHECK(t->shape == std::vector<int64_t>{2, 3});
  CHECK(t->num_elements == 6);
  CHECK(t->begin == 0);
  CHECK(t->end == 24);
  const std::vector<float> w_read = f.read_f32(*t);
  REQUIRE(w_read.size() == w.size());
  for (size_t i = 0; i < w.size(); ++i) CHECK(same_bits(w_read[i], w[i]));

  CHECK(f.read_f32(*f.find("half")) == h);
  CHECK(f.read_f32(*f.find("brain")) == b);
  CHECK(f.find("brain")->shape == std::vector<int64_t>{3, 1});
  CHECK(f.read_f32(*f.find("scalar")) == std::vector<float>{7.0f});
  CHECK(f.find("scalar")->shape.empty());
  CHECK(f.read_f32(*f.find("empty")).empty());
  CHECK(f.find("empty")->begin == f.find("empty")->end);

  const TensorInfo* i64 = f.find("ids");
  REQUIRE(i64 != nullptr);
  CHECK(i64->dtype == Dtype::I64);
  CHECK(f.tensor_bytes(*i64)[0] == 1);
  CHECK_THROWS_WITH(f.read_f32(*i64), Equals("safetensors: tensor \"ids\": unsupported dtype I64 (only F32, F16 "
                                             "and BF16 convert to float32)"));
  CHECK(f.find("nope") == nullptr);
  CHECK(f.find("") == nullptr);

  // Into a caller's buffer: exactly num_elements floats.
  std::vector<float> out(4);
  f.read_f32(*f.find("half"), out.data(), out.size());
  CHECK(out == h);
  CHECK_THROWS_WITH(f.read_f32(*f.find("half"), out.data(), 3),
                    Equals("safetensors: tensor \"half\": expected an output buffer of 4 floats, got 3"));
}

TEST_CASE("safetensors: F16 converts exactly, subnormals, infinities and NaN included", "[safetensors]") {
  CHECK(half_to_float(0x3C00) == 1.0f);
  CHECK(half_to_float(0xC100) == -2.5f);
  CHECK(half_to_float(0x7BFF) == 65504.0f);                  // largest finite half
  CHECK(half_to_float(0x0001) == std::ldexp(1.0f, -24));     // smallest subnormal
  CHECK(half_to_float(0x03FF) == std::ldexp(1023.0f, -24));  // largest subnormal
  CHECK(half_to_float(0x0400) == std::ldexp(1.0f, -14));     // smallest normal
  CHECK(half_to_float(0x8001) == -std::ldexp(1.0f, -24));
  CHECK(half_to_float(0x3555) == 0.333251953125f);
  CHECK(same_bits(half_to_float(0x0000), 0.0f));
  CHECK(same_bits(half_to_float(0x8000), -0.0f));
  CHECK(half_to_float(0x7C00) == std::numeric_limits<float>::infinity());
  CHECK(half_to_float(0xFC00) == -std::numeric_limits<float>::infinity());
  CHECK(std::isnan(half_to_float(0x7E00)));
  CHECK(std::isnan(half_to_float(0x7C01)));                 // signalling NaN stays NaN
  CHECK(float_bits(half_to_float(0xFE01)) == 0xFFC02000u);  // sign and payload kept

  // Every one of the 65536 half values: back to the same half through the test writer's rounding
  // (NaNs keep being NaN).
  for (uint32_t bits = 0; bits < 0x10000; ++bits) {
    const float value = half_to_float(static_cast<uint16_t>(bits));
    if (std::isnan(value)) continue;
    if (float_to_half(value) != bits) FAIL("half 0x" << std::hex << bits << " -> " << value << " does not round-trip");
  }

  // The writer's float -> half rounding: ties to even, overflow to infinity, underflow to zero.
  CHECK(float_to_half(1.0f + std::ldexp(1.0f, -11)) == 0x3C00);      // tie, even stays
  CHECK(float_to_half(1.0f + 3 * std::ldexp(1.0f, -11)) == 0x3C02);  // tie, odd rounds up
  CHECK(float_to_half(65519.0f) == 0x7BFF);
  CHECK(float_to_half(65520.0f) == 0x7C00);
  CHECK(float_to_half(std::ldexp(1.0f, -25)) == 0x0000);  // tie between 0 and 2^-24
  CHECK(float_to_half(std::ldexp(1.5f, -25)) == 0x0001);
  CHECK(float_to_half(std::ldexp(3.0f, -25)) == 0x0002);  // tie: 1.5 units -> 2
  CHECK(float_to_half(-std::numeric_limits<float>::infinity()) == 0xFC00);
  CHECK(std::isnan(half_to_float(float_to_half(std::nanf("")))));

  // Through a file: the chosen values of the brief.
  const float inf = std::numeric_limits<float>::infinity();
  const std::vector<float> values = {1.0f, -2.5f, 65504.0f, std::ldexp(1.0f, -24), inf, -inf, std::nanf("")};
  const std::vector<uint8_t> file = write_safetensors({{"x", "F16", {7}, bytes_f16(values)}});
  const SafetensorsFile f = parse(file);
  const std::vector<float> read = f.read_f32(f.tensors()[0]);
  for (size_t i = 0; i + 1 < values.size(); ++i) CHECK(read[i] == values[i]);
  CHECK(std::isnan(read[6]));
}

TEST_CASE("safetensors: BF16 converts exactly", "[safetensors]") {
  CHECK(bfloat16_to_float(0x3F80) == 1.0f);
  CHECK(bfloat16_to_float(0xC020) == -2.5f);
  CHECK(bfloat16_to_float(0x7F7F) == std::ldexp(255.0f, 120));  // largest finite bfloat16
  CHECK(bfloat16_to_float(0x0001) == std::ldexp(1.0f, -133));   // smallest subnormal
  CHECK(bfloat16_to_float(0x477F) == 65280.0f);
  CHECK(bfloat16_to_float(0x7F80) == std::numeric_limits<float>::infinity());
  CHECK(bfloat16_to_float(0xFF80) == -std::numeric_limits<float>::infinity());
  CHECK(std::isnan(bfloat16_to_float(0x7FC0)));
  CHECK(same_bits(bfloat16_to_float(0x8000), -0.0f));
  for (uint32_t bits = 0; bits < 0x10000; ++bits) {
    const float value = bfloat16_to_float(static_cast<uint16_t>(bits));
    CHECK((float_bits(value) >> 16) == bits);
    if (!std::isnan(value) && float_to_bfloat16(value) != bits) FAIL("bfloat16 0x" << std::hex << bits);
  }
  CHECK(float_to_bfloat16(1.0f + std::ldexp(1.0f, -8)) == 0x3F80);      // tie, even stays
  CHECK(float_to_bfloat16(1.0f + 3 * std::ldexp(1.0f, -8)) == 0x3F82);  // tie, odd rounds up

  const std::vector<float> values = {1.0f, -2.5f, 65280.0f, std::ldexp(1.0f, -133)};
  // The buffer must outlive the SafetensorsFile, which points into it.
  const std::vector<uint8_t> file = write_safetensors({{"x", "BF16", {2, 2}, bytes_bf16(values)}});
  const SafetensorsFile f = parse(file);
  CHECK(f.read_f32(f.tensors()[0]) == values);
}

TEST_CASE("safetensors: truncated files and bad header lengths", "[safetensors]") {
  CHECK_THAT(error_of({}), Equals("safetensors: file of 0 bytes is shorter than the 8-byte header length"));
  CHECK_THAT(error_of({2, 0, 0, 0, 0, 0, 0}), Equals("safetensors: file of 7 bytes is shorter than the 8-byte header "
                                                     "length"));
  std::vector<uint8_t> file = safetensors_from_header("{}");
  file[0] = 3;  // says 3 header bytes, has 2
  CHECK_THAT(error_of(file), Equals("safetensors: header length 3 is larger than the 2 bytes after the length "
                                    "field (file size 10)"));
  file[0] = 0;
  file[7] = 0x80;  // 2^63
  CHECK_THAT(error_of(file), Equals("safetensors: header length 9223372036854775808 is larger than the limit of "
                                    "104857600 bytes"));
  file[7] = 0;
  file[3] = 0x07;  // 112 MiB + 2: over the limit even before the file size is considered
  file[0] = 2;
  CHECK_THAT(error_of(file), ContainsSubstring("header length 117440514 is larger than the limit of 104857600"));
  CHECK_THROWS_AS(SafetensorsFile::parse(nullptr, 16), FormatError);
}

TEST_CASE("safetensors: the header must be a JSON object", "[safetensors]") {
  CHECK_THAT(error_of(safetensors_from_header("")),
             Equals("safetensors: header is not valid JSON (byte offsets count from the header start, file byte "
                    "8): json: unexpected end of text, expected a value at byte 0"));
  CHECK_THAT(error_of(safetensors_from_header("{\"a\":1,}")),
             ContainsSubstring("header is not valid JSON") && ContainsSubstring("expected a string key at byte 7"));
  CHECK_THAT(error_of(safetensors_from_header("[1, 2]")), Equals("safetensors: header: expected a JSON object, got "
                                                                 "array"));
  CHECK_THAT(error_of(safetensors_from_header("{} garbage")), ContainsSubstring("header is not valid JSON"));
  // Duplicate tensor names are a JSON-level error.
  CHECK_THAT(error_of(safetensors_from_header(R"({"a":{"dtype":"U8","shape":[0],"data_offsets":[0,0]},)"
                                              R"("a":{"dtype":"U8","shape":[0],"data_offsets":[0,0]}})")),
             ContainsSubstring("duplicate key \"a\""));
  // Trailing spaces (the reference writer's padding) are fine, and so is an empty header object.
  CHECK(parse(safetensors_from_header("{}      ")).tensors().empty());
}

TEST_CASE("safetensors: tensor entries must have exactly dtype, shape and data_offsets", "[safetensors]") {
  CHECK_THAT(error_of(one_entry("[1]")), Equals("safetensors: tensor \"t\": expected an object with dtype, shape and "
                                                "data_offsets, got a value of type array"));
  CHECK_THAT(error_of(one_entry("3")),
             ContainsSubstring("tensor \"t\": expected an object") && ContainsSubstring("got 3"));
  CHECK_THAT(error_of(one_entry(R"({"shape":[2],"data_offsets":[0,8]})")),
             Equals("safetensors: tensor \"t\": missing field \"dtype\""));
  CHECK_THAT(error_of(one_entry(R"({"dtype":"F32","data_offsets":[0,8]})")),
             Equals("safetensors: tensor \"t\": missing field \"shape\""));
  CHECK_THAT(error_of(one_entry(R"({"dtype":"F32","shape":[2]})")),
             Equals("safetensors: tensor \"t\": missing field \"data_offsets\""));
  CHECK_THAT(error_of(one_entry(R"({"dtype":"F32","shape":[2],"data_offsets":[0,8],"strides":[1]})")),
             Equals("safetensors: tensor \"t\": unexpected field \"strides\" (expected only dtype, shape, "
                    "data_offsets)"));
}

TEST_CASE("safetensors: dtypes", "[safetensors]") {
  CHECK_THAT(error_of(one_entry(R"({"dtype":"Q4_K","shape":[2],"data_offsets":[0,8]})")),
             Equals("safetensors: tensor \"t\": dtype: unknown dtype \"Q4_K\" (expected one of BOOL, U8, I8, "
                    "F8_E5M2, F8_E4M3, I16, U16, F16, BF16, I32, U32, F32, F64, I64, U64)"));
  CHECK_THAT(error_of(one_entry(R"({"dtype":"f32","shape":[2],"data_offsets":[0,8]})")),
             ContainsSubstring("unknown dtype \"f32\""));  // names are case-sensitive
  CHECK_THAT(error_of(one_entry(R"({"dtype":4,"shape":[2],"data_offsets":[0,8]})")),
             Equals("safetensors: tensor \"t\": dtype: expected a string, got 4"));

  // Every standard dtype is recognised with its size; only F32/F16/BF16 convert.
  const struct {
    const char* name;
    Dtype dtype;
    size_t size;
  } all[] = {{"BOOL", Dtype::BOOL, 1},       {"U8", Dtype::U8, 1},           {"I8", Dtype::I8, 1},
             {"F8_E5M2", Dtype::F8_E5M2, 1}, {"F8_E4M3", Dtype::F8_E4M3, 1}, {"I16", Dtype::I16, 2},
             {"U16", Dtype::U16, 2},         {"F16", Dtype::F16, 2},         {"BF16", Dtype::BF16, 2},
             {"I32", Dtype::I32, 4},         {"U32", Dtype::U32, 4},         {"F32", Dtype::F32, 4},
             {"F64", Dtype::F64, 8},         {"I64", Dtype::I64, 8},         {"U64", Dtype::U64, 8}};
  for (const auto& d : all) {
    CAPTURE(d.name);
    CHECK_THAT(dtype_name(d.dtype), Equals(d.name));
    CHECK(dtype_size(d.dtype) == d.size);
    const std::vector<uint8_t> file = write_safetensors({{"x", d.name, {3}, std::vector<uint8_t>(3 * d.size)}});
    const SafetensorsFile f = parse(file);
    CHECK(f.tensors()[0].dtype == d.dtype);
    const bool converts = d.dtype == Dtype::F32 || d.dtype == Dtype::F16 || d.dtype == Dtype::BF16;
    CHECK(dtype_converts_to_f32(d.dtype) == converts);
    if (converts) {
      CHECK(f.read_f32(f.tensors()[0]) == std::vector<float>(3, 0.0f));
    } else {
      CHECK_THROWS_WITH(f.read_f32(f.tensors()[0]), ContainsSubstring("unsupported dtype " + std::string(d.name)));
    }
  }
}

TEST_CASE("safetensors: shapes", "[safetensors]") {
  CHECK_THAT(error_of(one_entry(R"({"dtype":"F32","shape":2,"data_offsets":[0,8]})")),
             Equals("safetensors: tensor \"t\": shape: expected an array of non-negative integers, got 2"));
  CHECK_THAT(error_of(one_entry(R"({"dtype":"F32","shape":[2,-1],"data_offsets":[0,8]})")),
             Equals("safetensors: tensor \"t\": shape[1]: expected a non-negative integer, got -1"));
  CHECK_THAT(error_of(one_entry(R"({"dtype":"F32","shape":[1.5],"data_offsets":[0,8]})")),
             Equals("safetensors: tensor \"t\": shape[0]: expected a non-negative integer, got 1.5"));
  CHECK_THAT(error_of(one_entry(R"({"dtype":"F32","shape":["2"],"data_offsets":[0,8]})")),
             Equals("safetensors: tensor \"t\": shape[0]: expected a non-negative integer, got the string \"2\""));
  CHECK_THAT(error_of(one_entry(R"({"dtype":"F32","shape":[1e300],"data_offsets":[0,8]})")),
             ContainsSubstring("shape[0]: expected a non-negative integer, got 1e+300"));
  CHECK_THAT(error_of(one_entry(R"({"dtype":"F32","shape":[[2]],"data_offsets":[0,8]})")),
             ContainsSubstring("shape[0]: expected a non-negative integer, got a value of type array"));
  CHECK_THAT(error_of(one_entry(R"({"dtype":"F32","shape":[1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1],"data_offsets":[0,4]})")),
             Equals("safetensors: tensor \"t\": shape: expected at most 16 dimensions, got 17"));
  // Element counts that overflow 64 bits (or merely exceed the buffer) are caught before multiplying.
  CHECK_THAT(error_of(one_entry(R"({"dtype":"F32","shape":[4294967296,4294967296,16],"data_offsets":[0,8]})")),
             Equals("safetensors: tensor \"t\": shape [4294967296, 4294967296, 16] has more elements than the data "
                    "area of 8 bytes can hold as F32"));
  CHECK_THAT(error_of(one_entry(R"({"dtype":"F64","shape":[9007199254740992,9007199254740992],"data_offsets":[0,8]})")),
             ContainsSubstring("has more elements than the data area"));
  // A zero dimension makes any other dimension harmless.
  const std::vector<uint8_t> file = one_entry(R"({"dtype":"F32","shape":[9007199254740992,0],"data_offsets":[8,8]})");
  const SafetensorsFile f = parse(file);
  CHECK(f.tensors()[0].num_elements == 0);
  CHECK(f.read_f32(f.tensors()[0]).empty());
}

TEST_CASE("safetensors: data offsets", "[safetensors]") {
  CHECK_THAT(error_of(one_entry(R"({"dtype":"F32","shape":[2],"data_offsets":[0]})")),
             Equals("safetensors: tensor \"t\": data_offsets: expected an array of two integers [begin, end], got an "
                    "array of 1"));
  CHECK_THAT(error_of(one_entry(R"({"dtype":"F32","shape":[2],"data_offsets":{"begin":0}})")),
             ContainsSubstring("data_offsets: expected an array of two integers [begin, end], got a value of type "
                               "object"));
  CHECK_THAT(error_of(one_entry(R"({"dtype":"F32","shape":[2],"data_offsets":[0,"8"]})")),
             Equals("safetensors: tensor \"t\": data_offsets[1]: expected a non-negative integer, got the string "
                    "\"8\""));
  CHECK_THAT(error_of(one_entry(R"({"dtype":"F32","shape":[2],"data_offsets":[-8,0]})")),
             Equals("safetensors: tensor \"t\": data_offsets[0]: expected a non-negative integer, got -8"));
  CHECK_THAT(error_of(one_entry(R"({"dtype":"F32","shape":[2],"data_offsets":[8,0]})")),
             Equals("safetensors: tensor \"t\": data_offsets: expected begin <= end, got [8, 0]"));
  CHECK_THAT(error_of(one_entry(R"({"dtype":"F32","shape":[2],"data_offsets":[4,12]})")),
             Equals("safetensors: tensor \"t\": data_offsets: end 12 is beyond the data area of 8 bytes"));
  CHECK_THAT(error_of(one_entry(R"({"dtype":"F32","shape":[2],"data_offsets":[0,18446744073709551616]})")),
             ContainsSubstring("data_offsets[1]: expected a non-negative integer, got 18446744073709551616"));
  CHECK_THAT(error_of(one_entry(R"({"dtype":"F32","shape":[2],"data_offsets":[0,4]})")),
             Equals("safetensors: tensor \"t\": data_offsets: expected 8 bytes for F32 [2], got 4 ([0, 4])"));
  CHECK_THAT(error_of(one_entry(R"({"dtype":"F16","shape":[2,2],"data_offsets":[0,6]})")),
             Equals("safetensors: tensor \"t\": data_offsets: expected 8 bytes for F16 [2, 2], got 6 ([0, 6])"));
  // Gaps and trailing bytes are allowed.
  CHECK(parse(one_entry(R"({"dtype":"U8","shape":[2],"data_offsets":[3,5]})")).tensors()[0].begin == 3);
}

TEST_CASE("safetensors: overlapping tensors", "[safetensors]") {
  const auto two = [](const std::string& a, const std::string& b) {
    return safetensors_from_header(R"({"a":{"dtype":"U8","shape":[4],"data_offsets":)" + a +
                                       R"(},"b":{"dtype":"U8","shape":[4],"data_offsets":)" + b + "}}",
                                   std::vector<uint8_t>(16));
  };
  CHECK_THAT(error_of(two("[0,4]", "[3,7]")),
             Equals("safetensors: tensor \"b\" bytes [3, 7) overlap tensor \"a\" bytes [0, 4)"));
  CHECK_THAT(error_of(two("[8,12]", "[4,8]")), Equals(""));  // adjacent, any order
  CHECK_THAT(error_of(two("[4,8]", "[4,8]")), ContainsSubstring("overlap"));
  CHECK_THAT(error_of(two("[0,4]", "[0,4]")), ContainsSubstring("overlap"));
  // Empty tensors occupy no bytes and never overlap.
  const std::vector<uint8_t> empty_inside = safetensors_from_header(
      R"({"a":{"dtype":"U8","shape":[4],"data_offsets":[0,4]},"e":{"dtype":"F32","shape":[0],"data_offsets":[2,2]}})",
      std::vector<uint8_t>(4));
  CHECK(parse(empty_inside).tensors().size() == 2);
}

TEST_CASE("safetensors: metadata must map strings to strings", "[safetensors]") {
  CHECK_THAT(error_of(safetensors_from_header(R"({"__metadata__":{"format":1}})")),
             Equals("safetensors: __metadata__.\"format\": expected a string, got 1"));
  CHECK_THAT(error_of(safetensors_from_header(R"({"__metadata__":["pt"]})")),
             Equals("safetensors: __metadata__: expected an object of strings, got a value of type array"));
  const std::vector<uint8_t> file = safetensors_from_header(R"({"__metadata__":{}})");
  const SafetensorsFile f = parse(file);
  CHECK(f.metadata().empty());
  CHECK(f.tensors().empty());
}

TEST_CASE("safetensors: names in messages are quoted and shortened", "[safetensors]") {
  const std::string long_name(100, 'n');
  CHECK_THAT(error_of(safetensors_from_header("{\"" + long_name + "\":1}")),
             ContainsSubstring("tensor \"" + std::string(48, 'n') + "\"...: expected an object"));
  CHECK_THAT(error_of(safetensors_from_header(R"({"a\u0001":1})")), ContainsSubstring("tensor \"a\\x01\""));
}

TEST_CASE("safetensors: a TensorInfo that does not belong to the file is rejected", "[safetensors]") {
  const std::vector<uint8_t> file = write_safetensors({{"x", "F32", {2}, bytes_f32({1, 2})}});
  const SafetensorsFile f = parse(file);
  TensorInfo forged = f.tensors()[0];
  forged.end = 1000;
  forged.num_elements = 248;
  CHECK_THROWS_WITH(f.read_f32(forged), Equals("safetensors: tensor \"x\": byte range [0, 1000) does not belong to "
                                               "this file's data area of 8 bytes"));
  forged = f.tensors()[0];
  forged.num_elements = uint64_t{1} << 62;  // would overflow num_elements * 4
  CHECK_THROWS_AS(f.read_f32(forged), FormatError);
}
