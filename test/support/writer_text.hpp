#pragma once
// Test support: the text rapidjson::Writer writes for `v`, the reference json::dump must match
// byte for byte (digests and owner signatures are taken over dump's text).
#include <rapidjson/document.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <string>

namespace op::test {

inline std::string writer_text(rapidjson::Value const& v) {
    rapidjson::StringBuffer buf;
    rapidjson::Writer<rapidjson::StringBuffer> w(buf);
    v.Accept(w);
    return {buf.GetString(), buf.GetSize()};
}

}  // namespace op::test
