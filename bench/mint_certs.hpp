// Node certificates made in process, signed by a CA of certs/liaison-ca.sh:
// the fanout benchmark needs a thousand, and the script (an `openssl`
// process or two per certificate) would take minutes. Same shape as the
// script's: ECDSA P-256, CN = node id, CA:FALSE, serverAuth + clientAuth.
#pragma once

#include <string>
#include <string_view>

#include "sync/net/net.hpp"

namespace liaison::bench {

class CertificateMinter {
 public:
  // `ca_dir` as made by `liaison-ca.sh init` (ca.pem, private/ca.key, crl.pem).
  explicit CertificateMinter(const std::string& ca_dir);
  ~CertificateMinter();
  CertificateMinter(const CertificateMinter&) = delete;
  CertificateMinter& operator=(const CertificateMinter&) = delete;

  // Writes `<out_dir>/<node>.pem` and `.key` (':' as '-') and returns them with the CA's files.
  sync::net::TlsFiles mint(std::string_view node, const std::string& out_dir);

 private:
  std::string ca_dir_;
  struct Keys;
  Keys* keys_;
};

}  // namespace liaison::bench
