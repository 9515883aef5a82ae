// CA and serving certificate generation with OpenSSL 3 (EVP_EC_gen, X509 v3 extensions).
#include "op/webhook/certs.hpp"

#include "op/util/openssl_error.hpp"

#include <fmt/format.h>
#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <unistd.h>

#include <ctime>
#include <fstream>
#include <memory>
#include <utility>
#include <algorithm>

namespace op::webhook {
namespace {

template <auto Fn>
struct deleter {
    template <class T>
    void operator()(T* p) const noexcept { Fn(p); }
};
using pkey_ptr = std::unique_ptr<EVP_PKEY, deleter<EVP_PKEY_free>>;
using x509_ptr = std::unique_ptr<X509, deleter<X509_free>>;
using bio_ptr = std::unique_ptr<BIO, deleter<BIO_free_all>>;
using ext_ptr = std::unique_ptr<X509_EXTENSION, deleter<X509_EXTENSION_free>>;
using store_ptr = std::unique_ptr<X509_STORE, deleter<X509_STORE_free>>;
using store_ctx_ptr = std::unique_ptr<X509_STORE_CTX, deleter<X509_STORE_CTX_free>>;

op::error ssl_fail(std::string_view what) { return op::internal(openssl_error(what)); }

result<pkey_ptr> new_key() {
    pkey_ptr k(EVP_EC_gen("P-256"));
    if (!k) return ssl_fail("EVP_EC_gen(P-256)");
    return k;
}

bool add_ext(X509* cert, X509* issuer, int nid, char const* value) {
    X509V3_CTX ctx;
    X509V3_set_ctx_nodb(&ctx);
    X509V3_set_ctx(&ctx, issuer, cert, nullptr, nullptr, 0);
    ext_ptr ext(X509V3_EXT_conf_nid(nullptr, &ctx, nid, value));
    return ext && X509_add_ext(cert, ext.get(), -1) == 1;
}

bool set_time(ASN1_TIME* t, sys_time when) {
    return ASN1_TIME_set(t, std::chrono::system_clock::to_time_t(when)) != nullptr;
}

// A certificate for `key` named `cn`, valid [not_before, not_after], signed by issuer_key
// (issuer == nullptr: self-signed).
result<x509_ptr> make_cert(EVP_PKEY* key, std::string const& cn, X509* issuer, EVP_PKEY* issuer_key,
                           validity v, std::vector<std::pair<int, std::string>> const& exts) {
    x509_ptr cert(X509_new());
    if (!cert) return ssl_fail("X509_new");
    X509_set_version(cert.get(), X509_VERSION_3);
    unsigned char serial[16];
    if (RAND_bytes(serial, sizeof serial) != 1) return ssl_fail("RAND_bytes");
    serial[0] &= 0x7f;  // positive
    BIGNUM* bn = BN_bin2bn(serial, sizeof serial, nullptr);
    ASN1_INTEGER* sn = X509_get_serialNumber(cert.get());
    bool ok = bn && BN_to_ASN1_INTEGER(bn, sn) != nullptr;
    BN_free(bn);
    if (!ok) return ssl_fail("serial number");
    if (!set_time(X509_getm_notBefore(cert.get()), v.not_before) ||
        !set_time(X509_getm_notAfter(cert.get()), v.not_after)) {
        return ssl_fail("certificate validity");
    }
    X509_NAME* name = X509_get_subject_name(cert.get());
    X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_UTF8,
                               reinterpret_cast<unsigned char const*>(cn.c_str()), -1, -1, 0);
    X509_set_issuer_name(cert.get(), issuer ? X509_get_subject_name(issuer) : name);
    if (X509_set_pubkey(cert.get(), key) != 1) return ssl_fail("X509_set_pubkey");
    X509* iss = issuer ? issuer : cert.get();
    for (auto const& [nid, value] : exts) {
        if (!add_ext(cert.get(), iss, nid, value.c_str())) {
            return ssl_fail(fmt::format("certificate extension {}", OBJ_nid2sn(nid)));
        }
    }
    if (X509_sign(cert.get(), issuer_key ? issuer_key : key, EVP_sha256()) == 0) {
        return ssl_fail("X509_sign");
    }
    return cert;
}

std::string bio_string(BIO* bio) {
    char* data = nullptr;
    long n = BIO_get_mem_data(bio, &data);
    return std::string(data, n > 0 ? static_cast<std::size_t>(n) : 0);
}

result<std::string> cert_pem(X509* c) {
    bio_ptr bio(BIO_new(BIO_s_mem()));
    if (!bio || PEM_write_bio_X509(bio.get(), c) != 1) return ssl_fail("PEM_write_bio_X509");
    return bio_string(bio.get());
}

result<std::string> key_pem(EVP_PKEY* k) {
    bio_ptr bio(BIO_new(BIO_s_mem()));
    if (!bio || PEM_write_bio_PrivateKey(bio.get(), k, nullptr, nullptr, 0, nullptr, nullptr) != 1) {
        return ssl_fail("PEM_write_bio_PrivateKey");
    }
    return bio_string(bio.get());
}

result<x509_ptr> read_cert(std::string_view pem) {
    bio_ptr bio(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
    x509_ptr c(bio ? PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr) : nullptr);
    if (!c) return invalid(openssl_error("cannot read PEM certificate"));
    return c;
}

result<pkey_ptr> read_key(std::string_view pem) {
    bio_ptr bio(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
    pkey_ptr k(bio ? PEM_read_bio_PrivateKey(bio.get(), nullptr, nullptr, nullptr) : nullptr);
    if (!k) return invalid(openssl_error("cannot read PEM private key"));
    return k;
}

result<sys_time> asn1_time(ASN1_TIME const* t) {
    std::tm tm{};
    if (t == nullptr || ASN1_TIME_to_tm(t, &tm) != 1) return invalid("unreadable validity date");
    return std::chrono::system_clock::from_time_t(timegm(&tm));
}

result<validity> dates_of(X509* c) {
    OP_TRY(auto nb, asn1_time(X509_get0_notBefore(c)));
    OP_TRY(auto na, asn1_time(X509_get0_notAfter(c)));
    return validity{nb, na};
}

result<void> write_file(std::filesystem::path const& path, std::string const& data, bool secret) {
    auto tmp = path;
    tmp += fmt::format(".{}.tmp", getpid());  // replicas may share a directory
    {
        std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
        if (!out) return op::transient(fmt::format("cannot write {}", tmp.string()));
        if (secret) {
            std::error_code ec;
            std::filesystem::permissions(tmp, std::filesystem::perms::owner_read |
                                                  std::filesystem::perms::owner_write, ec);
        }
        out << data;
        if (!out.flush()) return op::transient(fmt::format("cannot write {}", tmp.string()));
    }
    std::error_code ec;
    std::filesystem::rename(tmp, path, ec);
    if (ec) return op::transient(fmt::format("cannot rename {}: {}", tmp.string(), ec.message()));
    return {};
}

}  // namespace

std::vector<std::string> dns_names(cert_request const& req) {
    std::string const& s = req.service;
    std::string const& n = req.namespace_;
    std::vector<std::string> out = {s, s + "." + n, s + "." + n + ".svc",
                                    s + "." + n + ".svc.cluster.local", "localhost"};
    out.insert(out.end(), req.extra_dns.begin(), req.extra_dns.end());
    return out;
}

namespace {

struct key_and_cert {
    pkey_ptr key;
    x509_ptr cert;
};

result<key_and_cert> make_ca(cert_request const& req) {
    OP_TRY(auto key, new_key());
    // notBefore is now: the CA signs nothing before it has been in the bundles for a while, so
    // that wait also absorbs clock skew.
    auto now = std::chrono::system_clock::now();
    OP_TRY(auto cert, make_cert(key.get(), "compose-operator-ca", nullptr, nullptr,
                                {now, now + req.ca_validity},
                                {{NID_basic_constraints, "critical,CA:TRUE"},
                                 {NID_key_usage, "critical,keyCertSign,cRLSign,digitalSignature"},
                                 {NID_subject_key_identifier, "hash"}}));
    return key_and_cert{std::move(key), std::move(cert)};
}

result<key_and_cert> make_serving(cert_request const& req, X509* ca, EVP_PKEY* ca_key) {
    std::string san;
    for (auto const& d : dns_names(req)) san += (san.empty() ? "DNS:" : ",DNS:") + d;
    for (auto const& ip : req.extra_ips) san += ",IP:" + ip;
    OP_TRY(auto key, new_key());
    OP_TRY(auto ca_dates, dates_of(ca));
    auto now = std::chrono::system_clock::now();
    // Back-dated a little for clock skew; never valid past the CA.
    auto skew = std::min<std::chrono::seconds>(std::chrono::hours(1), req.cert_validity / 20);
    validity v{now - skew, std::min(now + req.cert_validity, ca_dates.not_after)};
    std::string cn = req.service + "." + req.namespace_ + ".svc";
    OP_TRY(auto cert, make_cert(key.get(), cn, ca, ca_key, v,
                                {{NID_basic_constraints, "critical,CA:FALSE"},
                                 {NID_key_usage, "critical,digitalSignature"},
                                 {NID_ext_key_usage, "serverAuth"},
                                 {NID_subject_key_identifier, "hash"},
                                 {NID_authority_key_identifier, "keyid:always"},
                                 {NID_subject_alt_name, san}}));
    return key_and_cert{std::move(key), std::move(cert)};
}

// The serving certificate and key of `s` replaced by new ones from the signing CA.
result<void> reissue_serving(cert_state& s, cert_request const& req) {
    if (s.ca_key_pem.empty()) return invalid("the signing CA's key is not kept; a CA rotation is needed first");
    OP_TRY(auto ca, read_cert(s.ca_cert_pem));
    OP_TRY(auto ca_key, read_key(s.ca_key_pem));
    OP_TRY(auto leaf, make_serving(req, ca.get(), ca_key.get()));
    OP_TRY(s.cert_pem, cert_pem(leaf.cert.get()));
    OP_TRY(s.key_pem, key_pem(leaf.key.get()));
    return {};
}

}  // namespace

result<cert_bundle> generate_certs(cert_request const& req) {
    OP_TRY(auto s, new_cert_state(req));
    return cert_bundle{s.ca_cert_pem, s.ca_key_pem, s.cert_pem, s.key_pem};
}

result<cert_state> new_cert_state(cert_request const& req) {
    OP_TRY(auto ca, make_ca(req));
    cert_state s;
    OP_TRY(s.ca_cert_pem, cert_pem(ca.cert.get()));
    OP_TRY(s.ca_key_pem, key_pem(ca.key.get()));
    OP_RETURN_IF_ERROR(reissue_serving(s, req));
    return s;
}

std::string ca_bundle(cert_state const& s) {
    std::string out;
    for (auto const* pem : {&s.previous_ca_cert_pem, &s.ca_cert_pem, &s.next_ca_cert_pem}) {
        if (pem->empty()) continue;
        out += *pem;
        if (out.back() != '\n') out += '\n';
    }
    return out;
}

std::string_view to_string(renewal_action a) {
    switch (a) {
        case renewal_action::none: return "none";
        case renewal_action::regenerate: return "regenerate";
        case renewal_action::start_ca_rotation: return "start CA rotation";
        case renewal_action::switch_ca: return "switch to the next CA";
        case renewal_action::drop_previous_ca: return "drop the previous CA";
        case renewal_action::renew_serving: return "renew the serving certificate";
    }
    return "?";
}

renewal_decision decide_renewal(sys_time now, cert_dates const& d) {
    using namespace std::chrono;
    using dur = sys_time::duration;
    auto life = [](validity const& v) { return v.not_after - v.not_before; };
    auto two_thirds = [&](validity const& v) { return v.not_before + life(v) / 3 * 2; };
    sys_time next = sys_time::max();
    auto due = [&](sys_time t) {
        if (now >= t) return true;
        next = std::min(next, t);
        return false;
    };
    auto act = [&](renewal_action a) { return renewal_decision{a, now}; };
    if (now >= d.ca.not_after) return act(renewal_action::regenerate);
    if (d.next_ca) {
        dur wait = std::min<dur>(life(*d.next_ca) / 12, hours(1));
        if (due(d.next_ca->not_before + wait)) return act(renewal_action::switch_ca);
    }
    if (d.previous_ca) {
        dur wait = std::min<dur>(life(d.serving) / 3, hours(24));
        bool expired = now >= d.previous_ca->not_after;
        if (due(d.serving.not_before + wait) || expired) return act(renewal_action::drop_previous_ca);
    }
    if (!d.next_ca && !d.previous_ca && (!d.ca_key || due(two_thirds(d.ca)))) {
        return act(renewal_action::start_ca_rotation);
    }
    bool serving_due = !d.serving_signed_by_ca || now >= d.serving.not_after || due(two_thirds(d.serving));
    if (serving_due && d.ca_key) return act(renewal_action::renew_serving);
    // serving_due without the CA key: the switch to the next CA (scheduled above) renews it.
    return {renewal_action::none, next};
}

result<cert_dates> read_dates(cert_state const& s) {
    auto field = [](std::string_view key, std::string_view what, error const& e) {
        return error{errc::invalid, fmt::format("data[{}] {}: {}", key, what, e.what()), std::string(key)};
    };
    auto missing = [](std::string_view key) {
        return error{errc::invalid, fmt::format("data[{}] is missing", key), std::string(key)};
    };
    auto cert_of = [&](std::string const& pem, std::string_view key) -> result<x509_ptr> {
        if (pem.empty()) return missing(key);
        auto c = read_cert(pem);
        if (!c) return field(key, "is not a PEM certificate", c.error());
        return c;
    };
    auto key_for = [&](std::string const& pem, std::string_view key, X509* cert,
                       std::string_view cert_key) -> result<void> {
        if (pem.empty()) return missing(key);
        auto k = read_key(pem);
        if (!k) return field(key, "is not a PEM private key", k.error());
        if (X509_check_private_key(cert, k->get()) != 1) {
            return error{errc::invalid, fmt::format("data[{}] is not the key of data[{}]", key, cert_key),
                         std::string(key)};
        }
        return {};
    };
    cert_dates d;
    OP_TRY(auto ca, cert_of(s.ca_cert_pem, "ca-signer.crt"));
    OP_TRY(d.ca, dates_of(ca.get()));
    d.ca_key = !s.ca_key_pem.empty();
    if (d.ca_key) OP_RETURN_IF_ERROR(key_for(s.ca_key_pem, "ca.key", ca.get(), "ca-signer.crt"));
    if (!s.next_ca_cert_pem.empty() || !s.next_ca_key_pem.empty()) {
        OP_TRY(auto next, cert_of(s.next_ca_cert_pem, "ca-next.crt"));
        OP_RETURN_IF_ERROR(key_for(s.next_ca_key_pem, "ca-next.key", next.get(), "ca-next.crt"));
        OP_TRY(d.next_ca, dates_of(next.get()));
    }
    if (!s.previous_ca_cert_pem.empty()) {
        OP_TRY(auto prev, cert_of(s.previous_ca_cert_pem, "ca-previous.crt"));
        OP_TRY(d.previous_ca, dates_of(prev.get()));
    }
    if (d.next_ca && d.previous_ca) {
        return error{errc::invalid, "data[ca-next.crt] and data[ca-previous.crt] are both set (two rotations at once)",
                     "ca-next.crt"};
    }
    OP_TRY(auto leaf, cert_of(s.cert_pem, "tls.crt"));
    OP_RETURN_IF_ERROR(key_for(s.key_pem, "tls.key", leaf.get(), "tls.crt"));
    OP_TRY(d.serving, dates_of(leaf.get()));
    EVP_PKEY* ca_pub = X509_get0_pubkey(ca.get());
    d.serving_signed_by_ca = ca_pub != nullptr && X509_verify(leaf.get(), ca_pub) == 1;
    return d;
}

result<cert_state> renew(cert_state s, renewal_action a, cert_request const& req) {
    switch (a) {
        case renewal_action::none: return s;
        case renewal_action::regenerate: return new_cert_state(req);
        case renewal_action::start_ca_rotation: {
            OP_TRY(auto ca, make_ca(req));
            OP_TRY(s.next_ca_cert_pem, cert_pem(ca.cert.get()));
            OP_TRY(s.next_ca_key_pem, key_pem(ca.key.get()));
            return s;
        }
        case renewal_action::switch_ca: {
            if (s.next_ca_cert_pem.empty()) return invalid("no next CA to switch to");
            s.previous_ca_cert_pem = std::exchange(s.ca_cert_pem, std::exchange(s.next_ca_cert_pem, {}));
            s.ca_key_pem = std::exchange(s.next_ca_key_pem, {});
            OP_RETURN_IF_ERROR(reissue_serving(s, req));
            return s;
        }
        case renewal_action::drop_previous_ca: s.previous_ca_cert_pem.clear(); return s;
        case renewal_action::renew_serving: OP_RETURN_IF_ERROR(reissue_serving(s, req)); return s;
    }
    return s;
}

result<std::string> cert_serial(std::string_view pem) {
    OP_TRY(auto c, read_cert(pem));
    BIGNUM* bn = ASN1_INTEGER_to_BN(X509_get0_serialNumber(c.get()), nullptr);
    char* hex = bn ? BN_bn2hex(bn) : nullptr;
    std::string out = hex ? hex : "";
    OPENSSL_free(hex);
    BN_free(bn);
    if (out.empty()) return ssl_fail("serial number");
    return out;
}

result<void> write_cert_dir(std::filesystem::path const& dir, cert_bundle const& b) {
    std::error_code ec;
    std::filesystem::create_directories(dir, ec);
    if (ec) return op::transient(fmt::format("cannot create {}: {}", dir.string(), ec.message()));
    // Key first: a watcher that sees the new cert with the old key rejects the pair and retries.
    OP_RETURN_IF_ERROR(write_file(dir / "tls.key", b.key_pem, true));
    OP_RETURN_IF_ERROR(write_file(dir / "tls.crt", b.cert_pem, false));
    OP_RETURN_IF_ERROR(write_file(dir / "ca.crt", b.ca_cert_pem, false));
    return {};
}

bool has_certs(std::filesystem::path const& dir) {
    std::error_code ec;
    return std::filesystem::exists(dir / "tls.crt", ec) && std::filesystem::exists(dir / "tls.key", ec);
}

result<std::vector<std::string>> cert_sans(std::string_view pem) {
    OP_TRY(auto cert, read_cert(pem));
    std::vector<std::string> out;
    auto* names = static_cast<GENERAL_NAMES*>(
        X509_get_ext_d2i(cert.get(), NID_subject_alt_name, nullptr, nullptr));
    if (!names) return out;
    for (int i = 0; i < sk_GENERAL_NAME_num(names); ++i) {
        GENERAL_NAME const* gn = sk_GENERAL_NAME_value(names, i);
        if (gn->type == GEN_DNS) {
            auto const* s = ASN1_STRING_get0_data(gn->d.dNSName);
            out.push_back("DNS:" + std::string(reinterpret_cast<char const*>(s),
                                               static_cast<std::size_t>(ASN1_STRING_length(gn->d.dNSName))));
        } else if (gn->type == GEN_IPADD && ASN1_STRING_length(gn->d.iPAddress) == 4) {
            auto const* p = ASN1_STRING_get0_data(gn->d.iPAddress);
            out.push_back(fmt::format("IP:{}.{}.{}.{}", p[0], p[1], p[2], p[3]));
        }
    }
    GENERAL_NAMES_free(names);
    return out;
}

result<void> verify_cert(std::string_view cert_pem_text, std::string_view ca_pem) {
    OP_TRY(auto cert, read_cert(cert_pem_text));
    OP_TRY(auto ca, read_cert(ca_pem));
    store_ptr store(X509_STORE_new());
    store_ctx_ptr ctx(X509_STORE_CTX_new());
    if (!store || !ctx || X509_STORE_add_cert(store.get(), ca.get()) != 1 ||
        X509_STORE_CTX_init(ctx.get(), store.get(), cert.get(), nullptr) != 1) {
        return invalid(openssl_error("cannot set up verification"));
    }
    X509_STORE_CTX_set_purpose(ctx.get(), X509_PURPOSE_SSL_SERVER);
    if (X509_verify_cert(ctx.get()) != 1) {
        return invalid(fmt::format("certificate does not verify: {}",
                                   X509_verify_cert_error_string(X509_STORE_CTX_get_error(ctx.get()))));
    }
    return {};
}

}  // namespace op::webhook
