// liaison-e2e-bench: a push and a pull of the WORKLOAD.md cases between a
// client and a hub over mutual TLS on loopback, each beside the in-process
// merge of the same cells measured in the same run, with the bytes each
// cell costs on the wire. One JSON object per line (bench/README.md).
#include <atomic>
#include <cstdlib>
#include <future>
#include <thread>

#include "bench/bench_support.hpp"
#include "bench/cluster.hpp"
#include "sync/net/net.hpp"

namespace liaison::bench {
namespace {

// The hub, serving its replica from a thread until stopped.
class HubThread {
 public:
  HubThread(Replica& hub, const Pki& pki, std::uint32_t batch_cells) {
    sync::net::HubServerOptions options;
    options.host = "127.0.0.1";
    options.port = 0;
    options.tls = pki.files("city:hub");
    if (batch_cells) options.session.max_batch_cells = batch_cells;
    std::promise<std::uint16_t> listening;
    auto port = listening.get_future();
    thread_ = std::thread([&, options, promise = std::move(listening)]() mutable {
      bool told = false;
      Status st = sync::net::run_hub_server(
          hub, options, [](const std::string&) {},
          [&](std::uint16_t p) {
            told = true;
            promise.set_value(p);
          },
          &stop_);
      if (!told)
        promise.set_exception(std::make_exception_ptr(BenchFailure("hub did not start: " + st.error().message)));
    });
    port_ = port.get();
  }
  ~HubThread() {
    stop_ = true;
    thread_.join();
  }
  std::uint16_t port() const { return port_; }

 private:
  std::atomic<bool> stop_{false};
  std::thread thread_;
  std::uint16_t port_ = 0;
};

struct Options {
  std::size_t records = 100000;
  std::uint32_t batch_cells = 0;  // 0: the protocol's defaults
  bool compress = true;
  std::string dir;
};

void run(const Options& opt, const ScratchDir& scratch) {
  const auto records = generate_workload(opt.records);
  std::vector<sync::Fields> fields;
  std::vector<Uuid> ids;
  for (const auto& r : records) {
    fields.push_back(fields_of(r));
    ids.push_back(*Uuid::parse(r.id));
  }
  const Pki pki = make_pki(scratch, {"city:hub", "city:desk-1", "city:desk-2"});

  // The city desk writes every county's cases (a county node could write only its own).
  auto desk = open_replica(scratch.file("desk-1.db"), "city:desk-1", false, 1);
  insert_all(*desk, fields, ids);
  std::vector<Cell> cells;
  std::size_t cell_count = 0;
  read_whole_feed(*desk, {}, cell_count, &cells);

  // Baselines: the same cells merged in process, batch by batch.
  auto hub_baseline = open_replica(scratch.file("hub-baseline.db"), "city:hub", true, 2);
  Stopwatch merge_hub_clock;
  apply_in_batches(*hub_baseline, cells);
  const double merge_hub_seconds = merge_hub_clock.seconds();
  // What the hub's authority check adds: the same batches through apply_push.
  auto hub_checked = open_replica(scratch.file("hub-checked.db"), "city:hub", true, 6);
  const NodeId desk_node = must(NodeId::parse("city:desk-1"), "node id");
  Stopwatch checked_clock;
  for (std::size_t start = 0; start < cells.size(); start += kCellsPerBatch) {
    const auto batch = std::span<const Cell>(cells).subspan(start, std::min(kCellsPerBatch, cells.size() - start));
    must(hub_checked->apply_push(desk_node, batch, 60'000), "apply push");
  }
  const double checked_seconds = checked_clock.seconds();
  auto client_baseline = open_replica(scratch.file("client-baseline.db"), "city:desk-3", false, 3);
  Stopwatch merge_client_clock;
  apply_in_batches(*client_baseline, cells);
  const double merge_client_seconds = merge_client_clock.seconds();

  auto hub = open_replica(scratch.file("hub.db"), "city:hub", true, 4);
  HubThread server(*hub, pki, opt.batch_cells);
  sync::net::ClientLinkOptions link;
  link.host = "127.0.0.1";
  link.port = server.port();
  if (opt.batch_cells) link.session.batch_cells = opt.batch_cells;
  link.session.compress = opt.compress;

  link.tls = pki.files("city:desk-1");
  Stopwatch push_clock;
  const auto pushed = must(sync::net::sync_once(*desk, link), "push over TLS");
  const double push_seconds = push_clock.seconds();
  JsonLine("e2e_push")
      .integer("cells", pushed.stats.cells_pushed)
      .number("seconds", push_seconds, 4)
      .number("cells_per_s", pushed.stats.cells_pushed / push_seconds, 0)
      .integer("bytes_sent", pushed.bytes_sent)
      .number("bytes_per_cell", static_cast<double>(pushed.bytes_sent) / pushed.stats.cells_pushed, 1)
      .integer("batches", pushed.stats.push_batches)
      .number("in_process_push_seconds", checked_seconds, 4)
      .str("baseline", "merge")
      .number("baseline_seconds", merge_hub_seconds, 4)
      .number("time_ratio", push_seconds / merge_hub_seconds, 2)
      .print();

  auto fresh = open_replica(scratch.file("desk-2.db"), "city:desk-2", false, 5);
  link.tls = pki.files("city:desk-2");
  Stopwatch pull_clock;
  const auto pulled = must(sync::net::sync_once(*fresh, link), "pull over TLS");
  const double pull_seconds = pull_clock.seconds();
  JsonLine("e2e_pull")
      .integer("cells", pulled.stats.cells_pulled)
      .number("seconds", pull_seconds, 4)
      .number("cells_per_s", pulled.stats.cells_pulled / pull_seconds, 0)
      .integer("bytes_received", pulled.bytes_received)
      .number("bytes_per_cell", static_cast<double>(pulled.bytes_received) / pulled.stats.cells_pulled, 1)
      .integer("pages", pulled.stats.pull_pages)
      .str("baseline", "merge")
      .number("baseline_seconds", merge_client_seconds, 4)
      .number("time_ratio", pull_seconds / merge_client_seconds, 2)
      .boolean("converged", must(fresh->content_hash("city"), "hash") == must(hub->content_hash("city"), "hash"))
      .print();
}

}  // namespace
}  // namespace liaison::bench

int main(int argc, char** argv) {
  using namespace liaison::bench;
  Options opt;
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    if (arg == "--records" && i + 1 < argc)
      opt.records = std::strtoull(argv[++i], nullptr, 10);
    else if (arg == "--dir" && i + 1 < argc)
      opt.dir = argv[++i];
    else if (arg == "--no-compress")
      opt.compress = false;
    else if (arg == "--batch" && i + 1 < argc)
      opt.batch_cells = static_cast<std::uint32_t>(std::strtoul(argv[++i], nullptr, 10));
    else {
      std::fprintf(stderr, "usage: liaison-e2e-bench [--records N] [--batch CELLS] [--no-compress] [--dir DIR]\n");
      return 2;
    }
  }
  if (opt.records == 0) {
    std::fprintf(stderr, "liaison-e2e-bench: --records needs a positive number\n");
    return 2;
  }
  try {
    ScratchDir scratch(opt.dir);
    run(opt, scratch);
  } catch (const BenchFailure& e) {
    std::fprintf(stderr, "liaison-e2e-bench: %s\n", e.what());
    return 1;
  }
  return 0;
}
