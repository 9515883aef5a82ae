// Replays libFuzzer inputs without libFuzzer, for the g++ builds: every file named on the command
// line, and every regular file directly inside a named folder, goes once through the
// LLVMFuzzerTestOneInput of the target linked with this file (test/fuzz/CMakeLists.txt). A failed
// property aborts, as under libFuzzer. Exit 0 when at least one input ran and none failed; 1 when
// an input cannot be read, is larger than max_input, or nothing was given.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <system_error>
#include <vector>

extern "C" int LLVMFuzzerTestOneInput(std::uint8_t const* data, std::size_t size);

namespace {

constexpr std::uintmax_t max_input = 16u << 20;  // regressions are small; this only bounds a mistake

// The inputs named by `arg`: the file itself, or the regular files directly in the folder, sorted.
std::vector<std::filesystem::path> inputs_of(std::filesystem::path const& arg) {
    std::error_code ec;
    if (!std::filesystem::is_directory(arg, ec)) return {arg};
    std::vector<std::filesystem::path> files;
    for (auto const& e : std::filesystem::directory_iterator(arg, ec)) {
        if (e.is_regular_file(ec)) files.push_back(e.path());
    }
    std::sort(files.begin(), files.end());
    return files;
}

bool replay(std::filesystem::path const& file) {
    std::error_code ec;
    auto const size = std::filesystem::file_size(file, ec);
    if (ec || size > max_input) {
        std::fprintf(stderr, "%s: %s\n", file.c_str(), ec ? ec.message().c_str() : "larger than 16 MiB");
        return false;
    }
    std::ifstream in(file, std::ios::binary);
    std::string const bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    if (!in.good() && !in.eof()) {
        std::fprintf(stderr, "%s: cannot be read\n", file.c_str());
        return false;
    }
    (void)LLVMFuzzerTestOneInput(reinterpret_cast<std::uint8_t const*>(bytes.data()), bytes.size());
    return true;
}

}  // namespace

int main(int argc, char** argv) {
    std::size_t ran = 0;
    bool ok = true;
    for (int i = 1; i < argc; ++i) {
        for (auto const& file : inputs_of(argv[i])) {
            if (replay(file)) {
                ++ran;
            } else {
                ok = false;
            }
        }
    }
    std::printf("%zu inputs replayed\n", ran);
    return ok && ran > 0 ? 0 : 1;
}
