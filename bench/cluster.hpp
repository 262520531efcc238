// Real processes for the scale benchmarks: a throwaway CA made with the
// project's script, `liaison-hub serve` and `liaison-client` runs as child
// processes (so their peak memory is their own), and the case workload
// seeded into a hub's replica the way county offices would have written it.
// Not thread-safe; one benchmark thread.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "bench/bench_support.hpp"
#include "sync/net/net.hpp"

namespace liaison::bench {

// The project's programs, from the build tree this benchmark was built in.
std::string program_path(std::string_view name);  // "liaison-hub", "liaison-client", "liaison-fault-proxy"

// A CA and node certificates made by certs/liaison-ca.sh.
struct Pki {
  std::string dir;
  sync::net::TlsFiles files(std::string_view node) const;
};
Pki make_pki(const ScratchDir& scratch, const std::vector<std::string>& nodes);
// One more node certificate in an existing CA.
void issue_certificate(const Pki& pki, std::string_view node);

// A child process with stdout and stderr in files. The destructor kills it
// (SIGKILL) if it is still running, so a failed benchmark leaves nothing behind.
class ChildProcess {
 public:
  ChildProcess(const std::vector<std::string>& argv, const std::string& stdout_path, const std::string& stderr_path);
  ~ChildProcess();
  ChildProcess(const ChildProcess&) = delete;
  ChildProcess& operator=(const ChildProcess&) = delete;

  struct Exit {
    int code = -1;           // exit code, or -signal
    double peak_rss_mb = 0;  // VmHWM, sampled every few ms while it ran
    double seconds = 0;      // since start
    double cpu_seconds = 0;  // user + system
  };
  Exit wait();
  void signal(int sig) const;
  pid_t pid() const noexcept { return pid_; }
  // Resident memory now (VmRSS) and its peak so far (VmHWM), MiB.
  double rss_mb() const;
  double peak_rss_mb() const;
  // Waits until `needle` appears in `path` (a log the process writes).
  void wait_for_output(const std::string& path, std::string_view needle, double timeout_s) const;

 private:
  pid_t pid_ = -1;
  Stopwatch clock_;
};

// A port free on 127.0.0.1 right now.
std::uint16_t free_port();

// `liaison-hub init` in `data_dir`, listening on 127.0.0.1:port.
void init_hub(const Pki& pki, const std::string& data_dir, std::uint16_t port);
// `liaison-hub serve`, returned once it listens.
std::unique_ptr<ChildProcess> start_hub(const std::string& data_dir);
// `liaison-client init` of `node` in `data_dir` for a hub at 127.0.0.1:port.
void init_client(const Pki& pki, const std::string& data_dir, std::string_view node, std::uint16_t port);
// The file liaison-hub / liaison-client keep their replica in.
std::string hub_replica_path(const std::string& data_dir);
std::string client_replica_path(const std::string& data_dir);

// What one `liaison-client sync --json` run reported, and what it cost.
struct ClientSyncRun {
  std::uint64_t pushed = 0, pulled = 0, rejections = 0, bytes_sent = 0, bytes_received = 0;
  double seconds = 0, cpu_seconds = 0, peak_rss_mb = 0;
};
ClientSyncRun run_client_sync(const std::string& data_dir, const std::string& scratch_prefix,
                              const std::vector<std::string>& sync_options = {});

// The seeded workload as county offices write it: records grouped by county,
// each county's written by `<county>:office-1`; then `edited_share` of every
// county's cases has its summary edited on two devices at once
// (`office-1` and `field-1`), so the hub holds both edits, one logged as a
// conflict. Returns the cells the hub merged.
struct SeededHub {
  std::uint64_t cells = 0;
  std::uint64_t conflicts = 0;
  std::vector<std::size_t> edited;  // record indices edited on two devices
};
SeededHub seed_hub(const std::string& hub_replica, const ScratchDir& scratch, std::span<const CaseRecord> records,
                   double edited_share);
// The summary each of the two devices wrote for record i.
std::string office_summary_edit(std::size_t i);
std::string field_summary_edit(std::size_t i);

// Peak resident memory of this process so far (MiB).
double own_peak_rss_mb();

}  // namespace liaison::bench
