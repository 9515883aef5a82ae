// relative_to_file(): paths written in a file read for include or extends (decode.hpp).
#include "decode.hpp"

#include <filesystem>

namespace op::compose::detail {

std::string relative_to_file(context const& c, mark const& where, std::string path) {
    if (path.empty() || path.front() == '/' || path.front() == '~' || where.file < 0) return path;
    auto const i = static_cast<std::size_t>(where.file);
    if (i < c.top_files || i >= c.file_names.size()) return path;
    auto const folder = std::filesystem::path(c.file_names[i]).parent_path();
    if (folder.empty()) return path;
    auto joined = (folder / path).lexically_normal().generic_string();
    if (joined.empty()) return ".";
    if (joined.size() > 1 && joined.back() == '/') joined.pop_back();  // "common/." -> "common"
    if (joined.front() != '/' && joined != "." && joined != ".." && !joined.starts_with("../")) {
        joined = "./" + joined;
    }
    return joined;
}

}  // namespace op::compose::detail
