#include "op/util/openssl_error.hpp"

#include <openssl/err.h>

namespace op {

std::string openssl_error(std::string_view what) {
    std::string msg(what);
    unsigned long e = ERR_get_error();
    if (e != 0) {
        char buf[256];
        ERR_error_string_n(e, buf, sizeof buf);
        msg += ": ";
        msg += buf;
    }
    ERR_clear_error();
    return msg;
}

}  // namespace op
