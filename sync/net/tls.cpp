// TLS contexts, peer identity and error explanations; see tls.hpp.
#include "sync/net/tls.hpp"

#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/sha.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <filesystem>

#include "shared/cli.hpp"
#include "shared/private_files.hpp"

namespace liaison::sync::net {
namespace {

namespace ssl = boost::asio::ssl;

std::string openssl_errors() {
  std::string out;
  while (unsigned long e = ERR_get_error()) {
    char buf[256];
    ERR_error_string_n(e, buf, sizeof buf);
    if (!out.empty()) out += "; ";
    out += buf;
  }
  return out.empty() ? "no detail from OpenSSL" : out;
}

Error file_error(const std::string& what, const std::string& path, const std::string& fix) {
  return make_error(Errc::invalid_argument, "can't use " + what + " " + path + ": " + openssl_errors() + " — " + fix);
}

Status require_file(const std::string& what, const std::string& path) {
  if (path.empty()) return make_error(Errc::invalid_argument, "no " + what + " given");
  std::error_code ec;
  if (!std::filesystem::is_regular_file(path, ec))
    return make_error(Errc::invalid_argument, what + " " + path + " does not exist or is not a file");
  return {};
}

struct X509Deleter {
  void operator()(X509* x) const { X509_free(x); }
};
struct CrlDeleter {
  void operator()(X509_CRL* x) const { X509_CRL_free(x); }
};

// The subject's one CN. A certificate with two would name two nodes, and
// which one counts would depend on who reads it: none counts.
std::optional<std::string> common_name(X509* cert) {
  X509_NAME* name = X509_get_subject_name(cert);
  const int index = X509_NAME_get_index_by_NID(name, NID_commonName, -1);
  if (index < 0 || X509_NAME_get_index_by_NID(name, NID_commonName, index) >= 0) return std::nullopt;
  const ASN1_STRING* data = X509_NAME_ENTRY_get_data(X509_NAME_get_entry(name, index));
  unsigned char* utf8 = nullptr;
  const int len = ASN1_STRING_to_UTF8(&utf8, data);
  if (len < 0) return std::nullopt;
  std::string cn(reinterpret_cast<char*>(utf8), static_cast<std::size_t>(len));
  OPENSSL_free(utf8);
  return cn;
}

std::unique_ptr<X509, X509Deleter> read_certificate(const std::string& path) {
  FILE* f = std::fopen(path.c_str(), "r");
  if (!f) return nullptr;
  std::unique_ptr<X509, X509Deleter> cert(PEM_read_X509(f, nullptr, nullptr, nullptr));
  std::fclose(f);
  return cert;
}

// A CRL's PEM text; at most 16 MiB (a CA revoking a hundred thousand
// certificates makes about 4 MiB).
Result<std::string> read_crl_text(const std::string& path) {
  std::FILE* f = std::fopen(path.c_str(), "rb");
  if (!f) return make_error(Errc::invalid_argument, "can't open revocation list " + path + ": " + std::strerror(errno));
  std::string text;
  char buf[16384];
  std::size_t n;
  while ((n = std::fread(buf, 1, sizeof buf, f)) > 0 && text.size() < (16u << 20)) text.append(buf, n);
  std::fclose(f);
  return text;
}

Result<std::unique_ptr<X509_CRL, CrlDeleter>> parse_crl_pem(std::string_view pem, const std::string& source) {
  ERR_clear_error();
  BIO* bio = BIO_new_mem_buf(pem.data(), static_cast<int>(std::min<std::size_t>(pem.size(), INT32_MAX)));
  if (!bio) return make_error(Errc::storage_failed, "out of memory reading revocation list " + source);
  std::unique_ptr<X509_CRL, CrlDeleter> crl(PEM_read_bio_X509_CRL(bio, nullptr, nullptr, nullptr));
  BIO_free(bio);
  if (!crl) {
    Error error = file_error("revocation list", source, "give the CA's PEM CRL (certs/liaison-ca.sh crl)");
    error.code = Errc::malformed;
    return error;
  }
  return crl;
}

std::string serial_hex(const ASN1_INTEGER* serial) {
  BIGNUM* bn = ASN1_INTEGER_to_BN(serial, nullptr);
  if (!bn) return {};
  char* hex = BN_bn2hex(bn);
  std::string out = hex ? hex : "";
  OPENSSL_free(hex);
  BN_free(bn);
  return out;
}

std::uint64_t time_ms(const ASN1_TIME* t) {
  std::tm tm{};
  if (!t || ASN1_TIME_to_tm(t, &tm) != 1) return 0;
  return static_cast<std::uint64_t>(timegm(&tm)) * 1000;
}

// The CA and, when given, the CRL (PEM text, named `crl_source` in errors),
// with revocation checked for every peer.
Status fill_store(X509_STORE* store, const std::string& ca, const std::string* crl_pem, const std::string& crl_source) {
  ERR_clear_error();
  if (X509_STORE_load_locations(store, ca.c_str(), nullptr) != 1)
    return file_error("CA certificate", ca, "give the project CA's PEM file");
  if (!crl_pem) return {};
  auto crl = parse_crl_pem(*crl_pem, crl_source);
  if (!crl) return crl.error();
  if (X509_STORE_add_crl(store, crl->get()) != 1)
    return file_error("revocation list", crl_source, "check that it is the CA's CRL");
  X509_STORE_set_flags(store, X509_V_FLAG_CRL_CHECK);
  return {};
}

int verify_tolerating_stale_crl(int ok, X509_STORE_CTX* store) {
  if (ok) return 1;
  const int error = X509_STORE_CTX_get_error(store);
  if (error != X509_V_ERR_CRL_HAS_EXPIRED && error != X509_V_ERR_CRL_NOT_YET_VALID) return 0;
  X509_STORE_CTX_set_error(store, X509_V_OK);
  return 1;  // revocation is still checked against the list as it is
}

}  // namespace

Result<LoadedCrl> verify_crl(std::string pem, const std::string& ca_path, const std::string& source) {
  auto crl = parse_crl_pem(pem, source);
  if (!crl) return crl.error();
  auto ca = read_certificate(ca_path);
  if (!ca) return file_error("CA certificate", ca_path, "give the project CA's PEM file");
  if (X509_CRL_verify(crl->get(), X509_get0_pubkey(ca.get())) != 1)
    return make_error(Errc::not_permitted, "revocation list " + source + " is not signed by the CA in " + ca_path +
                                               " — make it with certs/liaison-ca.sh crl on this CA");
  LoadedCrl out;
  out.status.last_update_ms = time_ms(X509_CRL_get0_lastUpdate(crl->get()));
  out.status.next_update_ms = time_ms(X509_CRL_get0_nextUpdate(crl->get()));
  if (auto* number = static_cast<ASN1_INTEGER*>(X509_CRL_get_ext_d2i(crl->get(), NID_crl_number, nullptr, nullptr))) {
    std::uint64_t value = 0;
    if (ASN1_INTEGER_get_uint64(&value, number) == 1) out.status.number = value;
    ASN1_INTEGER_free(number);
  }
  STACK_OF(X509_REVOKED)* revoked = X509_CRL_get_REVOKED(crl->get());
  for (int i = 0; revoked && i < sk_X509_REVOKED_num(revoked); ++i)
    out.revoked_serials.push_back(serial_hex(X509_REVOKED_get0_serialNumber(sk_X509_REVOKED_value(revoked, i))));
  out.status.revoked = out.revoked_serials.size();
  out.pem = std::move(pem);
  return out;
}

Result<LoadedCrl> load_crl(const TlsFiles& files) {
  auto text = read_crl_text(files.crl);
  if (!text) return text.error();
  return verify_crl(std::move(*text), files.ca, files.crl);
}

bool issued_after(const CrlStatus& a, const CrlStatus& b) {
  if (a.number != b.number) return a.number > b.number;
  return a.last_update_ms > b.last_update_ms;
}

std::string describe_crl_expiry(const CrlStatus& crl, std::uint64_t now_ms) {
  if (crl.next_update_ms == 0) return "has no expiry date";
  const std::string when = cli::format_time(crl.next_update_ms);
  if (crl.next_update_ms <= now_ms) return "expired at " + when;
  const std::uint64_t hours = (crl.next_update_ms - now_ms) / 3'600'000;
  return "expires at " + when + " (in " +
         (hours < 48 ? std::to_string(hours) + " hours" : std::to_string((hours + 12) / 24) + " days") + ")";
}

std::optional<std::string> crl_expiry_warning(const CrlStatus& crl, std::uint64_t now_ms, const std::string& crl_path) {
  if (now_ms + kCrlWarnAheadMs < crl.next_update_ms) return std::nullopt;
  const bool expired = crl.next_update_ms <= now_ms;
  return std::string(expired ? "error" : "warning") + ": the revocation list " + describe_crl_expiry(crl, now_ms) +
         (expired ? ": every node is refused" : ": after that every node is refused") +
         " until it is renewed — run certs/liaison-ca.sh crl on the CA and copy crl.pem to " + crl_path;
}

Status install_crl(ssl::context& context, const std::string& ca, const LoadedCrl& crl, const std::string& source) {
  X509_STORE* store = X509_STORE_new();
  if (!store) return make_error(Errc::storage_failed, "out of memory for a certificate store");
  if (Status st = fill_store(store, ca, &crl.pem, source); !st) {
    X509_STORE_free(store);
    return st;
  }
  SSL_CTX_set_cert_store(context.native_handle(), store);  // frees the previous store
  return {};
}

std::uint64_t steady_ms() {
  return static_cast<std::uint64_t>(
      std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now().time_since_epoch())
          .count());
}

Result<NodeId> check_tls_files(const TlsFiles& files) {
  LIAISON_TRY(require_file("CA certificate", files.ca));
  LIAISON_TRY(require_file("certificate", files.cert));
  LIAISON_TRY(require_file("private key", files.key));
  if (!files.crl.empty()) LIAISON_TRY(require_file("revocation list", files.crl));
  auto context = make_tls_context(files, Role::client);
  if (!context) return context.error();
  X509* cert = SSL_CTX_get0_certificate(context->get()->native_handle());
  auto cn = cert ? common_name(cert) : std::nullopt;
  if (!cn)
    return make_error(Errc::invalid_argument, "certificate " + files.cert +
                                                  " has no CN, or more than one — issue it with one CN=county:device");
  auto node = NodeId::parse(*cn);
  if (!node)
    return make_error(Errc::invalid_argument,
                      "certificate " + files.cert + " CN is not a node id: " + node.error().message);
  if (X509_cmp_current_time(X509_get0_notAfter(cert)) < 0)
    return make_error(Errc::invalid_argument, "certificate " + files.cert + " (" + node->str() +
                                                  ") has expired — ask the city office for a new one");
  if (X509_cmp_current_time(X509_get0_notBefore(cert)) > 0)
    return make_error(Errc::invalid_argument,
                      "certificate " + files.cert + " is not valid yet — check this machine's clock");
  // The certificate must chain to the given CA.
  X509_STORE* store = SSL_CTX_get_cert_store(context->get()->native_handle());
  X509_STORE_CTX* verify = X509_STORE_CTX_new();
  X509_STORE_CTX_init(verify, store, cert, nullptr);
  const int ok = X509_verify_cert(verify);
  const int err = X509_STORE_CTX_get_error(verify);
  X509_STORE_CTX_free(verify);
  if (ok != 1)
    return make_error(Errc::invalid_argument, "certificate " + files.cert + " does not verify against " + files.ca +
                                                  ": " + X509_verify_cert_error_string(err));
  return *node;
}

Result<std::unique_ptr<ssl::context>> make_tls_context(const TlsFiles& files, Role role) {
  auto context =
      std::make_unique<ssl::context>(role == Role::hub ? ssl::context::tls_server : ssl::context::tls_client);
  SSL_CTX* ctx = context->native_handle();
  SSL_CTX_set_min_proto_version(ctx, TLS1_3_VERSION);
  SSL_CTX_set_max_proto_version(ctx, TLS1_3_VERSION);
  std::optional<std::string> crl_pem;
  if (!files.crl.empty()) {
    auto text = read_crl_text(files.crl);
    if (!text) return text.error();
    crl_pem = std::move(*text);
  }
  LIAISON_TRY(fill_store(SSL_CTX_get_cert_store(ctx), files.ca, crl_pem ? &*crl_pem : nullptr, files.crl));
  LIAISON_TRY(check_private_key(files.key));
  if (SSL_CTX_use_certificate_chain_file(ctx, files.cert.c_str()) != 1)
    return file_error("certificate", files.cert, "give this node's PEM certificate");
  if (SSL_CTX_use_PrivateKey_file(ctx, files.key.c_str(), SSL_FILETYPE_PEM) != 1) {
    if (ERR_GET_REASON(ERR_peek_last_error()) == X509_R_KEY_VALUES_MISMATCH) {
      ERR_clear_error();
      return make_error(Errc::invalid_argument, "key " + files.key + " does not belong to certificate " + files.cert +
                                                    " — use the pair issued together");
    }
    return file_error("private key", files.key, "give the PEM key made with this certificate");
  }
  if (SSL_CTX_check_private_key(ctx) != 1)
    return make_error(Errc::invalid_argument, "key " + files.key + " does not belong to certificate " + files.cert +
                                                  " — use the pair issued together");
  context->set_verify_mode(role == Role::hub ? ssl::verify_peer | ssl::verify_fail_if_no_peer_cert : ssl::verify_peer);
  // An out-of-date list still names what it revokes. The hub refuses
  // everyone in words while its own is stale; a client must still reach
  // its hub to be handed the new one.
  SSL_CTX_set_verify(ctx, SSL_CTX_get_verify_mode(ctx), verify_tolerating_stale_crl);
  if (role == Role::hub) {
    // No session resumption: a resumed session skips the certificate check,
    // so a certificate revoked since would get in. Every connection shows
    // its certificate; the full handshake costs a few milliseconds.
    SSL_CTX_set_session_cache_mode(ctx, SSL_SESS_CACHE_OFF);
    SSL_CTX_set_num_tickets(ctx, 0);
  }
  return context;
}

std::optional<std::string> peer_common_name(SSL* ssl) {
  std::unique_ptr<X509, X509Deleter> cert(SSL_get1_peer_certificate(ssl));
  if (!cert || SSL_get_verify_result(ssl) != X509_V_OK) return std::nullopt;
  return common_name(cert.get());
}

namespace {

std::string key_sha256(X509* cert) {
  unsigned char digest[SHA256_DIGEST_LENGTH];
  unsigned char* der = nullptr;
  const int len = i2d_PUBKEY(X509_get0_pubkey(cert), &der);
  if (len <= 0) return {};
  SHA256(der, static_cast<std::size_t>(len), digest);
  OPENSSL_free(der);
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  for (unsigned char b : digest) {
    out += kHex[b >> 4];
    out += kHex[b & 15];
  }
  return out;
}

}  // namespace

std::string peer_key_sha256(SSL* ssl) {
  std::unique_ptr<X509, X509Deleter> cert(SSL_get1_peer_certificate(ssl));
  return cert ? key_sha256(cert.get()) : std::string();
}

Result<CertificateIdentity> read_certificate_identity(const std::string& cert_path, const std::string& ca_path) {
  LIAISON_TRY(require_file("certificate", cert_path));
  auto cert = read_certificate(cert_path);
  if (!cert) return file_error("certificate", cert_path, "give the hub's PEM certificate");
  auto ca = read_certificate(ca_path);
  if (!ca) return file_error("CA certificate", ca_path, "give the project CA's PEM file");
  if (X509_verify(cert.get(), X509_get0_pubkey(ca.get())) != 1)
    return make_error(Errc::invalid_argument, "certificate " + cert_path + " is not issued by the CA in " + ca_path);
  auto cn = common_name(cert.get());
  if (!cn) return make_error(Errc::invalid_argument, "certificate " + cert_path + " has no CN, or more than one");
  auto node = NodeId::parse(*cn);
  if (!node) return make_error(Errc::invalid_argument, "certificate " + cert_path + " CN: " + node.error().message);
  return CertificateIdentity{*node, key_sha256(cert.get())};
}

std::string peer_serial(SSL* ssl) {
  std::unique_ptr<X509, X509Deleter> cert(SSL_get1_peer_certificate(ssl));
  return cert ? serial_hex(X509_get0_serialNumber(cert.get())) : std::string();
}

namespace {

// A verification failure of a peer's certificate, for a person.
std::string verify_failure(long verify) {
  switch (verify) {
    case X509_V_ERR_CERT_REVOKED: return "it is revoked";
    case X509_V_ERR_CERT_HAS_EXPIRED: return "it has expired";
    case X509_V_ERR_CERT_NOT_YET_VALID: return "it is not valid yet (check the clocks)";
    case X509_V_ERR_SELF_SIGNED_CERT_IN_CHAIN:
    case X509_V_ERR_DEPTH_ZERO_SELF_SIGNED_CERT:
    case X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT:
    case X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY:
    case X509_V_ERR_CERT_SIGNATURE_FAILURE: return "it is not issued by the project CA";
    case X509_V_OK: return "verification failed";
    default: return X509_verify_cert_error_string(verify);
  }
}

// Alerts carry the other side's verdict on our certificate.
std::optional<std::string> alert_reason(int reason) {
  switch (reason) {
    case SSL_R_SSLV3_ALERT_CERTIFICATE_REVOKED: return "it is revoked";
    case SSL_R_SSLV3_ALERT_CERTIFICATE_EXPIRED: return "it has expired";
    case SSL_R_TLSV1_ALERT_UNKNOWN_CA: return "it is not issued by the project CA";
    case SSL_R_SSLV3_ALERT_BAD_CERTIFICATE:
    case SSL_R_SSLV3_ALERT_UNSUPPORTED_CERTIFICATE:
    case SSL_R_TLSV1_ALERT_DECRYPT_ERROR: return "it was not accepted";
    default: return std::nullopt;
  }
}

}  // namespace

std::string explain_tls_failure(const boost::system::error_code& ec, SSL* ssl, Role role) {
  if (ec.category() == boost::asio::error::get_ssl_category()) {
    const int reason = ERR_GET_REASON(static_cast<unsigned long>(ec.value()));
    if (role == Role::hub) {
      if (auto why = alert_reason(reason))
        return "the client refused this hub's certificate: " + *why +
               " — check the hub's certificate (project CA, expiry) in hub.json";
      if (reason == SSL_R_CERTIFICATE_VERIFY_FAILED)
        return "client certificate refused: " + verify_failure(ssl ? SSL_get_verify_result(ssl) : X509_V_OK);
      if (reason == SSL_R_PEER_DID_NOT_RETURN_A_CERTIFICATE) return "the client sent no certificate";
    }
    const std::string peer = "the hub";
    switch (reason) {
      case SSL_R_SSLV3_ALERT_CERTIFICATE_REVOKED:
        return peer + " refused the certificate: it is revoked — ask the city office for a new one";
      case SSL_R_SSLV3_ALERT_CERTIFICATE_EXPIRED:
        return peer + " refused the certificate: it has expired — ask the city office for a new one";
      case SSL_R_TLSV1_ALERT_UNKNOWN_CA:
        return peer +
               " refused the certificate: it is not issued by the project CA — use the certificate the city office "
               "issued";
      case SSL_R_TLSV13_ALERT_CERTIFICATE_REQUIRED:
        return peer + " requires a client certificate — configure this node's certificate and key";
      case SSL_R_SSLV3_ALERT_BAD_CERTIFICATE:
      case SSL_R_SSLV3_ALERT_UNSUPPORTED_CERTIFICATE:
      case SSL_R_TLSV1_ALERT_DECRYPT_ERROR:
        return peer + " refused the certificate — check that it is this node's, issued by the project CA";
      case SSL_R_TLSV1_ALERT_PROTOCOL_VERSION:
      case SSL_R_UNSUPPORTED_PROTOCOL:
      case SSL_R_NO_PROTOCOLS_AVAILABLE: return "TLS version refused: Liaison speaks TLS 1.3 only";
      case SSL_R_WRONG_VERSION_NUMBER:
      case SSL_R_HTTP_REQUEST: return "the peer does not speak TLS (plaintext or another protocol)";
      case SSL_R_CERTIFICATE_VERIFY_FAILED: {
        const long verify = ssl ? SSL_get_verify_result(ssl) : X509_V_OK;
        if (verify == X509_V_ERR_CERT_REVOKED)
          return "the hub's certificate has been revoked by the CA: this is not a hub to sync with — nothing was "
                 "sent; tell the city office";
        return "the hub's certificate is not trusted (" + verify_failure(verify) +
               ") — check the CA file and the hub address";
      }
      default: break;
    }
    char buf[256];
    ERR_error_string_n(static_cast<unsigned long>(ec.value()), buf, sizeof buf);
    return std::string("TLS failure: ") + buf;
  }
  if (ec == boost::asio::error::eof || ec == boost::asio::ssl::error::stream_truncated)
    return role == Role::client
               ? "the connection was closed during the TLS handshake (the hub stopped, refused the certificate, or is "
                 "not a Liaison hub)"
               : "the connection was closed during the TLS handshake (certificate refused, or not a Liaison hub)";
  return ec.message();
}

}  // namespace liaison::sync::net
