// CA and serving certificate generation with OpenSSL 3 (EVP_EC_gen, X509 v3 extensions).
#include "op/webhook/certs.hpp"

#include "crypto.hpp"

#include <fmt/format.h>
#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <fstream>
#include <memory>

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

op::error ssl_fail(std::string_view what) { return op::internal(detail::openssl_error(what)); }

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

// A certificate for `key` named `cn`, signed by issuer_key (issuer == nullptr: self-signed).
result<x509_ptr> make_cert(EVP_PKEY* key, std::string const& cn, X509* issuer, EVP_PKEY* issuer_key,
                           std::chrono::hours validity,
                           std::vector<std::pair<int, std::string>> const& exts) {
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
    X509_gmtime_adj(X509_getm_notBefore(cert.get()), -3600);  // tolerate clock skew
    X509_gmtime_adj(X509_getm_notAfter(cert.get()),
                    static_cast<long>(std::chrono::seconds(validity).count()));
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
    if (!c) return invalid(detail::openssl_error("cannot read PEM certificate"));
    return c;
}

result<void> write_file(std::filesystem::path const& path, std::string const& data, bool secret) {
    auto tmp = path;
    tmp += ".tmp";
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

result<cert_bundle> generate_certs(cert_request const& req) {
    OP_TRY(auto ca_key, new_key());
    OP_TRY(auto ca, make_cert(ca_key.get(), "compose-operator-ca", nullptr, nullptr, req.ca_validity,
                              {{NID_basic_constraints, "critical,CA:TRUE"},
                               {NID_key_usage, "critical,keyCertSign,cRLSign,digitalSignature"},
                               {NID_subject_key_identifier, "hash"}}));
    std::string san;
    for (auto const& d : dns_names(req)) san += (san.empty() ? "DNS:" : ",DNS:") + d;
    for (auto const& ip : req.extra_ips) san += ",IP:" + ip;
    OP_TRY(auto key, new_key());
    std::string cn = req.service + "." + req.namespace_ + ".svc";
    OP_TRY(auto cert, make_cert(key.get(), cn, ca.get(), ca_key.get(), req.cert_validity,
                                {{NID_basic_constraints, "critical,CA:FALSE"},
                                 {NID_key_usage, "critical,digitalSignature"},
                                 {NID_ext_key_usage, "serverAuth"},
                                 {NID_subject_key_identifier, "hash"},
                                 {NID_authority_key_identifier, "keyid:always"},
                                 {NID_subject_alt_name, san}}));
    cert_bundle b;
    OP_TRY(b.ca_cert_pem, cert_pem(ca.get()));
    OP_TRY(b.ca_key_pem, key_pem(ca_key.get()));
    OP_TRY(b.cert_pem, cert_pem(cert.get()));
    OP_TRY(b.key_pem, key_pem(key.get()));
    return b;
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
        return invalid(detail::openssl_error("cannot set up verification"));
    }
    X509_STORE_CTX_set_purpose(ctx.get(), X509_PURPOSE_SSL_SERVER);
    if (X509_verify_cert(ctx.get()) != 1) {
        return invalid(fmt::format("certificate does not verify: {}",
                                   X509_verify_cert_error_string(X509_STORE_CTX_get_error(ctx.get()))));
    }
    return {};
}

}  // namespace op::webhook
