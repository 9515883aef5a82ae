// `x-kubernetes` of a top-level volume: the compose-operator's claim settings (size, storage
// class, access modes), checked here so a bad value fails at load time with its position.
#include "decode.hpp"

#include <algorithm>
#include <array>

namespace op::compose::detail {
namespace {

constexpr std::array<std::string_view, 4> access_modes = {"ReadWriteOnce", "ReadOnlyMany",
                                                          "ReadWriteMany", "ReadWriteOncePod"};

bool is_digit(char ch) { return ch >= '0' && ch <= '9'; }

// A strict check of a Kubernetes quantity as a storage size: [+]<digits>[.<digits>] followed by
// nothing, a binary suffix (Ki..Ei), a decimal suffix (m, k, M..E) or an exponent (e3, E-2);
// the value must be greater than zero. (The compose module cannot use the mapping module's
// quantity parser; the mapping checks the value again with it.)
bool valid_storage_size(std::string_view s) {
    if (s.starts_with('+')) s.remove_prefix(1);
    std::size_t i = 0;
    bool digits = false;
    bool non_zero = false;
    bool dot = false;
    for (; i < s.size(); ++i) {
        if (is_digit(s[i])) {
            digits = true;
            non_zero = non_zero || s[i] != '0';
        } else if (s[i] == '.' && !dot) {
            dot = true;
        } else {
            break;
        }
    }
    if (!digits || !non_zero) return false;
    std::string_view const suffix = s.substr(i);
    static constexpr std::array<std::string_view, 14> suffixes = {
        "", "Ki", "Mi", "Gi", "Ti", "Pi", "Ei", "m", "k", "M", "G", "T", "P", "E"};
    if (std::find(suffixes.begin(), suffixes.end(), suffix) != suffixes.end()) return true;
    if (suffix.size() < 2 || (suffix[0] != 'e' && suffix[0] != 'E')) return false;
    std::string_view exp = suffix.substr(1);
    if (exp.starts_with('+') || exp.starts_with('-')) exp.remove_prefix(1);
    return !exp.empty() && exp.size() <= 4 && std::all_of(exp.begin(), exp.end(), is_digit);
}

}  // namespace

result<volume_claim> decode_volume_claim(context const& c, node const& n, std::string const& p) {
    volume_claim out;
    if (n.is_null()) return out;
    OP_RETURN_IF_ERROR(expect_mapping(c, n, p));
    for (auto const& [k, v] : n.entries) {
        std::string const kp = key_path(p, k);
        if (k == "size") {
            OP_RETURN_IF_ERROR(as_string(c, v, kp));  // fails unless a scalar
            std::string const& size = v.scalar;
            if (!valid_storage_size(size)) {
                return c.fail(v, kp, "invalid size " + quoted(size) +
                                         " (a Kubernetes quantity greater than zero, e.g. 10Gi, "
                                         "500Mi, 1T)");
            }
            out.size = size;
        } else if (k == "storageClassName") {
            OP_TRY(out.storage_class_name, as_string(c, v, kp));
        } else if (k == "accessModes") {
            if (!v.is_sequence()) {
                return c.fail(v, kp, "expected a list, got " + std::string(kind_name(v.type)));
            }
            OP_TRY(out.access_modes, as_string_list(c, v, kp));
            for (std::size_t i = 0; i < out.access_modes.size(); ++i) {
                auto const& mode = out.access_modes[i];
                if (std::find(access_modes.begin(), access_modes.end(), mode) ==
                    access_modes.end()) {
                    return c.fail(v.items[i], index_path(kp, i),
                                  "invalid access mode " + quoted(mode) +
                                      " (expected one of ReadWriteOnce, ReadOnlyMany, "
                                      "ReadWriteMany, ReadWriteOncePod)");
                }
            }
        } else {
            return c.fail(v, kp,
                          "unknown key " + quoted(k) +
                              " (x-kubernetes takes size, storageClassName and accessModes)");
        }
    }
    return out;
}

}  // namespace op::compose::detail
