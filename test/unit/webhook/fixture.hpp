#pragma once
// Test helpers: read a fixture under test/testdata/webhook and parse JSON without ceremony.
#include "op/util/json.hpp"

#include <fstream>
#include <sstream>
#include <stdexcept>
#include <string>

namespace op::webhook::test {

inline std::string fixture(std::string const& name) {
    std::ifstream in(std::string(OP_SOURCE_DIR) + "/test/testdata/webhook/" + name, std::ios::binary);
    if (!in) throw std::runtime_error("missing fixture " + name);
    std::ostringstream ss;
    ss << in.rdbuf();
    return ss.str();
}

inline rapidjson::Document parse(std::string const& text) {
    auto r = json::parse(text);
    if (!r) throw std::runtime_error("bad JSON in test: " + r.error().what());
    return std::move(*r);
}

}  // namespace op::webhook::test
