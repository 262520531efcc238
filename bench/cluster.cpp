// Child processes, certificates and hub seeding for the scale benchmarks
// (bench/cluster.hpp).
#include "bench/cluster.hpp"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <spawn.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <fstream>
#include <map>
#include <set>
#include <sstream>
#include <thread>

extern char** environ;

namespace liaison::bench {

std::string program_path(std::string_view name) {
  const std::string bin = LIAISON_BIN_DIR;
  if (name == "liaison-hub") return bin + "/hub/liaison-hub";
  if (name == "liaison-client") return bin + "/client/liaison-client";
  return bin + "/tests/" + std::string(name);
}

sync::net::TlsFiles Pki::files(std::string_view node) const {
  std::string base = dir + "/nodes/" + std::string(node);
  base[base.rfind(':')] = '-';
  return {dir + "/ca.pem", base + ".pem", base + ".key", dir + "/crl.pem"};
}

namespace {
const std::string& ca_script() {
  static const std::string script = std::string(LIAISON_SOURCE_DIR) + "/certs/liaison-ca.sh";
  return script;
}
void run_shell(const std::string& command, std::string_view doing) {
  if (std::system(command.c_str()) != 0) throw BenchFailure(std::string(doing) + " failed: " + command);
}
}  // namespace

Pki make_pki(const ScratchDir& scratch, const std::vector<std::string>& nodes) {
  Pki pki{scratch.file("ca")};
  std::string command = ca_script() + " init " + pki.dir + " >/dev/null";
  for (const auto& n : nodes) command += " && " + ca_script() + " issue " + pki.dir + " " + n + " >/dev/null";
  run_shell(command, "making certificates");
  return pki;
}

void issue_certificate(const Pki& pki, std::string_view node) {
  run_shell(ca_script() + " issue " + pki.dir + " " + std::string(node) + " >/dev/null", "issuing a certificate");
}

// ---------------------------------------------------------------------------

ChildProcess::ChildProcess(const std::vector<std::string>& argv, const std::string& stdout_path,
                           const std::string& stderr_path) {
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, STDIN_FILENO, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_addopen(&actions, STDOUT_FILENO, stdout_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  posix_spawn_file_actions_addopen(&actions, STDERR_FILENO, stderr_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  std::vector<char*> args;
  for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  const int rc = posix_spawn(&pid_, args[0], &actions, nullptr, args.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  if (rc != 0) throw BenchFailure("start " + argv[0] + ": " + std::strerror(rc));
}

ChildProcess::~ChildProcess() {
  if (pid_ > 0) {
    ::kill(pid_, SIGKILL);
    ::waitpid(pid_, nullptr, 0);
  }
}

ChildProcess::Exit ChildProcess::wait() {
  if (pid_ <= 0) throw BenchFailure("wait for a process that has already ended");
  // The kernel's ru_maxrss of a spawned child starts from this (large)
  // process's high-water mark, so the child's own is sampled from /proc
  // (VmHWM only grows) until it ends.
  Exit exit;
  int status = 0;
  for (;;) {
    try {
      exit.peak_rss_mb = std::max(exit.peak_rss_mb, peak_rss_mb());
    } catch (const BenchFailure&) {
      // a zombie has no memory figures any more
    }
    struct rusage usage {};
    const pid_t done = ::wait4(pid_, &status, WNOHANG, &usage);
    if (done == pid_)
      exit.cpu_seconds = static_cast<double>(usage.ru_utime.tv_sec + usage.ru_stime.tv_sec) +
                         static_cast<double>(usage.ru_utime.tv_usec + usage.ru_stime.tv_usec) / 1e6;
    if (done == pid_) break;
    if (done < 0) throw BenchFailure(std::string("waitpid: ") + std::strerror(errno));
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  pid_ = -1;
  exit.seconds = clock_.seconds();
  exit.code = WIFEXITED(status) ? WEXITSTATUS(status) : -WTERMSIG(status);
  return exit;
}

void ChildProcess::signal(int sig) const {
  if (pid_ > 0) ::kill(pid_, sig);
}

namespace {
double status_field_mb(pid_t pid, std::string_view field) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/status");
  std::string line;
  while (std::getline(in, line))
    if (line.rfind(field, 0) == 0) return std::strtod(line.c_str() + field.size(), nullptr) / 1024.0;  // kB
  throw BenchFailure("no " + std::string(field) + " for process " + std::to_string(pid));
}
}  // namespace

double ChildProcess::rss_mb() const { return status_field_mb(pid_, "VmRSS:"); }
double ChildProcess::peak_rss_mb() const { return status_field_mb(pid_, "VmHWM:"); }

void ChildProcess::wait_for_output(const std::string& path, std::string_view needle, double timeout_s) const {
  Stopwatch waited;
  while (waited.seconds() < timeout_s) {
    std::ifstream in(path);
    std::stringstream text;
    text << in.rdbuf();
    if (text.str().find(needle) != std::string::npos) return;
    int status = 0;
    if (::waitpid(pid_, &status, WNOHANG) == pid_)
      throw BenchFailure("process ended before printing '" + std::string(needle) + "'; its output: " + text.str());
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  throw BenchFailure("no '" + std::string(needle) + "' in " + path + " after " + std::to_string(timeout_s) + " s");
}

double own_peak_rss_mb() {
  struct rusage usage {};
  getrusage(RUSAGE_SELF, &usage);
  return static_cast<double>(usage.ru_maxrss) / 1024.0;
}

std::uint16_t free_port() {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof addr;
  if (fd < 0 || ::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 ||
      ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) != 0) {
    if (fd >= 0) ::close(fd);
    throw BenchFailure(std::string("find a free port: ") + std::strerror(errno));
  }
  ::close(fd);
  return ntohs(addr.sin_port);
}

std::string hub_replica_path(const std::string& data_dir) { return data_dir + "/hub.db"; }
std::string client_replica_path(const std::string& data_dir) { return data_dir + "/replica.db"; }

void init_hub(const Pki& pki, const std::string& data_dir, std::uint16_t port) {
  const auto f = pki.files("city:hub");
  ChildProcess init({program_path("liaison-hub"), "init", "--data", data_dir, "--ca", f.ca, "--cert", f.cert, "--key",
                     f.key, "--crl", f.crl, "--listen", "127.0.0.1:" + std::to_string(port)},
                    "/dev/null", data_dir + ".init.log");
  if (init.wait().code != 0) throw BenchFailure("liaison-hub init failed; see " + data_dir + ".init.log");
}

std::unique_ptr<ChildProcess> start_hub(const std::string& data_dir) {
  const std::string log = data_dir + ".log";
  auto hub = std::make_unique<ChildProcess>(
      std::vector<std::string>{program_path("liaison-hub"), "serve", "--data", data_dir}, "/dev/null", log);
  hub->wait_for_output(log, "listening on", 60);
  return hub;
}

void init_client(const Pki& pki, const std::string& data_dir, std::string_view node, std::uint16_t port) {
  const auto f = pki.files(node);
  ChildProcess init(
      {program_path("liaison-client"), "init", "--data", data_dir, "--hub", "127.0.0.1:" + std::to_string(port), "--ca",
       f.ca, "--cert", f.cert, "--key", f.key, "--crl", f.crl},
      "/dev/null", data_dir + ".init.log");
  if (init.wait().code != 0) throw BenchFailure("liaison-client init failed; see " + data_dir + ".init.log");
}

namespace {
std::uint64_t json_number(const std::string& text, std::string_view key) {
  const std::string quoted = "\"" + std::string(key) + "\":";
  const auto at = text.find(quoted);
  if (at == std::string::npos) throw BenchFailure("no " + std::string(key) + " in: " + text);
  std::size_t pos = at + quoted.size();
  if (pos < text.size() && text[pos] == '"') ++pos;
  return std::strtoull(text.c_str() + pos, nullptr, 10);
}
}  // namespace

ClientSyncRun run_client_sync(const std::string& data_dir, const std::string& scratch_prefix,
                              const std::vector<std::string>& sync_options) {
  const std::string out = scratch_prefix + ".out", err = scratch_prefix + ".err";
  std::vector<std::string> argv{program_path("liaison-client"), "--data", data_dir, "sync", "--json"};
  argv.insert(argv.end(), sync_options.begin(), sync_options.end());
  ChildProcess client(argv, out, err);
  const auto exit = client.wait();
  std::ifstream in(out);
  std::stringstream text;
  text << in.rdbuf();
  if (exit.code != 0) {
    std::ifstream errs(err);
    std::stringstream why;
    why << errs.rdbuf();
    throw BenchFailure("liaison-client sync failed (" + std::to_string(exit.code) + "): " + text.str() + why.str());
  }
  ClientSyncRun run;
  run.pushed = json_number(text.str(), "pushed");
  run.pulled = json_number(text.str(), "pulled");
  run.rejections = json_number(text.str(), "rejections");
  run.bytes_sent = json_number(text.str(), "bytes_sent");
  run.bytes_received = json_number(text.str(), "bytes_received");
  run.seconds = exit.seconds;
  run.cpu_seconds = exit.cpu_seconds;
  run.peak_rss_mb = exit.peak_rss_mb;
  return run;
}

// ---------------------------------------------------------------------------

std::string office_summary_edit(std::size_t i) { return "office-1 revised case " + std::to_string(i) + ": 材料已补齐"; }
std::string field_summary_edit(std::size_t i) { return "field-1 revised case " + std::to_string(i) + ": 已现场核实"; }

namespace {
// Feeds `from`'s cells to `to`, page by page; only the rows in `only` when given.
sync::MergeStats copy_feed(Replica& from, Replica& to, const std::set<Uuid>* only) {
  sync::MergeStats total;
  FeedCursor cursor;
  for (;;) {
    auto page = must(from.read_feed(cursor, 4000), "read feed");
    std::vector<Cell> cells;
    for (auto& c : page.cells)
      if (!only || only->count(c.row)) cells.push_back(std::move(c));
    const auto stats = must(to.apply_remote(cells), "merge");
    total.applied += stats.applied;
    total.conflicts += stats.conflicts;
    if (!page.more) return total;
    cursor = page.next;
  }
}
}  // namespace

SeededHub seed_hub(const std::string& hub_replica, const ScratchDir& scratch, std::span<const CaseRecord> records,
                   double edited_share) {
  std::map<std::string, std::vector<std::size_t>> by_county;
  for (std::size_t i = 0; i < records.size(); ++i) by_county[records[i].county].push_back(i);
  const std::size_t edit_every =
      edited_share > 0 ? std::max<std::size_t>(1, static_cast<std::size_t>(1.0 / edited_share + 0.5)) : 0;
  auto hub = open_replica(hub_replica, "city:hub", true, 0);
  SeededHub seeded;
  std::uint64_t seed = 100;
  for (const auto& [county, indices] : by_county) {
    auto office = open_replica(scratch.file("seed-" + county + "-office.db"), county + ":office-1", false, ++seed);
    auto field = open_replica(scratch.file("seed-" + county + "-field.db"), county + ":field-1", false, ++seed);
    std::vector<sync::Fields> fields;
    std::vector<Uuid> ids;
    for (std::size_t i : indices) {
      fields.push_back(fields_of(records[i]));
      ids.push_back(*Uuid::parse(records[i].id));
    }
    insert_all(*office, fields, ids);
    std::set<Uuid> edited_rows;
    std::vector<std::size_t> edited;
    for (std::size_t k = 0; edit_every && k < indices.size(); ++k)
      if (indices[k] % edit_every == edit_every / 2) {
        edited.push_back(indices[k]);
        edited_rows.insert(ids[k]);
      }
    // The field laptop had synced the cases it then edited.
    copy_feed(*office, *field, &edited_rows);
    for (Replica* device : {office.get(), field.get()})
      must(device->transact([&]() -> Status {
        for (std::size_t i : edited) {
          const std::string summary = device == office.get() ? office_summary_edit(i) : field_summary_edit(i);
          LIAISON_TRY(device->update(TableId::cases, *Uuid::parse(records[i].id), {{"summary", summary}}));
        }
        return Status::success();
      }),
           "edit on two devices");
    for (Replica* device : {office.get(), field.get()}) {
      const auto stats = copy_feed(*device, *hub, nullptr);
      seeded.cells += stats.applied;
      seeded.conflicts += stats.conflicts;
    }
    seeded.edited.insert(seeded.edited.end(), edited.begin(), edited.end());
    office.reset();
    field.reset();
    for (const char* device : {"office", "field"})
      for (const char* suffix : {"", "-wal", "-shm"})
        fs::remove(scratch.file("seed-" + county + "-" + device + ".db" + suffix));
  }
  return seeded;
}

}  // namespace liaison::bench
