#pragma once
// Test helpers: read fixture files (the loader itself never reads files).
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

namespace op::compose::test {

inline std::string read_text(std::filesystem::path const& p) {
    std::ifstream in(p, std::ios::binary);
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
}

inline std::filesystem::path testdata(std::string const& name) {
    return std::filesystem::path(OP_SOURCE_DIR) / "test" / "testdata" / "compose" / name;
}

// ${OP_SOURCE_DIR}/../shared/corpus/awesome-compose, or /work/shared/... when built elsewhere.
inline std::filesystem::path corpus_dir() {
    auto p = std::filesystem::path(OP_SOURCE_DIR) / ".." / "shared" / "corpus" / "awesome-compose";
    if (std::filesystem::exists(p)) return p;
    return "/work/shared/corpus/awesome-compose";
}

}  // namespace op::compose::test
