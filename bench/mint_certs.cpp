// In-process node certificates for the benchmarks (bench/mint_certs.hpp).
#include "bench/mint_certs.hpp"

#include <sys/stat.h>

#include <openssl/bn.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <cstdio>

#include "bench/bench_support.hpp"

namespace liaison::bench {

struct CertificateMinter::Keys {
  X509* ca_cert = nullptr;
  EVP_PKEY* ca_key = nullptr;
};

namespace {
template <class T>
T* read_pem(const std::string& path, T* (*reader)(FILE*, T**, pem_password_cb*, void*)) {
  FILE* f = std::fopen(path.c_str(), "r");
  if (!f) throw BenchFailure("open " + path);
  T* value = reader(f, nullptr, nullptr, nullptr);
  std::fclose(f);
  if (!value) throw BenchFailure("read PEM " + path);
  return value;
}

void add_extension(X509* cert, X509* issuer, int nid, const char* value) {
  X509V3_CTX ctx;
  X509V3_set_ctx(&ctx, issuer, cert, nullptr, nullptr, 0);
  X509_EXTENSION* ext = X509V3_EXT_conf_nid(nullptr, &ctx, nid, value);
  if (!ext || X509_add_ext(cert, ext, -1) != 1) throw BenchFailure(std::string("certificate extension ") + value);
  X509_EXTENSION_free(ext);
}

void write_pem(const std::string& path, const std::function<int(FILE*)>& writer) {
  FILE* f = std::fopen(path.c_str(), "w");
  if (!f) throw BenchFailure("create " + path);
  const int ok = writer(f);
  std::fclose(f);
  if (ok != 1) throw BenchFailure("write " + path);
  ::chmod(path.c_str(), 0600);  // keys others can read are refused
}
}  // namespace

CertificateMinter::CertificateMinter(const std::string& ca_dir) : ca_dir_(ca_dir), keys_(new Keys) {
  keys_->ca_cert = read_pem<X509>(ca_dir + "/ca.pem", PEM_read_X509);
  keys_->ca_key = read_pem<EVP_PKEY>(ca_dir + "/private/ca.key", PEM_read_PrivateKey);
}

CertificateMinter::~CertificateMinter() {
  X509_free(keys_->ca_cert);
  EVP_PKEY_free(keys_->ca_key);
  delete keys_;
}

sync::net::TlsFiles CertificateMinter::mint(std::string_view node, const std::string& out_dir) {
  std::string base = out_dir + "/" + std::string(node);
  base[base.rfind(':')] = '-';
  EVP_PKEY* key = EVP_EC_gen("P-256");
  X509* cert = X509_new();
  if (!key || !cert) throw BenchFailure("make a key for " + std::string(node));
  X509_set_version(cert, 2);
  BIGNUM* serial = BN_new();
  BN_rand(serial, 63, BN_RAND_TOP_ANY, BN_RAND_BOTTOM_ANY);
  BN_to_ASN1_INTEGER(serial, X509_get_serialNumber(cert));
  BN_free(serial);
  X509_gmtime_adj(X509_getm_notBefore(cert), -3600);
  X509_gmtime_adj(X509_getm_notAfter(cert), 7 * 86400);
  X509_set_pubkey(cert, key);
  const std::string cn(node);
  X509_NAME_add_entry_by_txt(X509_get_subject_name(cert), "CN", MBSTRING_UTF8,
                             reinterpret_cast<const unsigned char*>(cn.c_str()), -1, -1, 0);
  X509_set_issuer_name(cert, X509_get_subject_name(keys_->ca_cert));
  add_extension(cert, keys_->ca_cert, NID_basic_constraints, "critical,CA:FALSE");
  add_extension(cert, keys_->ca_cert, NID_key_usage, "critical,digitalSignature");
  add_extension(cert, keys_->ca_cert, NID_ext_key_usage, "serverAuth,clientAuth");
  add_extension(cert, keys_->ca_cert, NID_subject_key_identifier, "hash");
  add_extension(cert, keys_->ca_cert, NID_authority_key_identifier, "keyid");
  if (X509_sign(cert, keys_->ca_key, EVP_sha256()) == 0) throw BenchFailure("sign the certificate of " + cn);
  write_pem(base + ".pem", [&](FILE* f) { return PEM_write_X509(f, cert); });
  write_pem(base + ".key",
            [&](FILE* f) { return PEM_write_PrivateKey(f, key, nullptr, nullptr, 0, nullptr, nullptr); });
  X509_free(cert);
  EVP_PKEY_free(key);
  return {ca_dir_ + "/ca.pem", base + ".pem", base + ".key", ca_dir_ + "/crl.pem"};
}

}  // namespace liaison::bench
