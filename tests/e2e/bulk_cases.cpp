// liaison-e2e-bulk-cases: creates many cases in a client replica at once,
// through the replica API (so every cell is stamped and fed like a
// `liaison-client case new`), for the end-to-end tests that need a push
// large enough to interrupt (tests/e2e/hub_crash_test.sh). One process and
// one transaction instead of one `case new` process per case. Test tool only.
//   liaison-e2e-bulk-cases REPLICA.db NODE_ID COUNT [TITLE_PREFIX]
// Prints the new case ids, one per line.
#include <chrono>
#include <cstdio>
#include <iostream>
#include <string>
#include <vector>

#include "sync/replica.hpp"

int main(int argc, char** argv) {
  using namespace liaison;
  if (argc < 4 || argc > 5) {
    std::cerr << "usage: liaison-e2e-bulk-cases REPLICA.db NODE_ID COUNT [TITLE_PREFIX]\n";
    return 2;
  }
  auto node = NodeId::parse(argv[2]);
  if (!node || node->is_city()) {
    std::cerr << "liaison-e2e-bulk-cases: NODE_ID must be a county node (county:device)\n";
    return 2;
  }
  long count = 0;
  try {
    count = std::stol(argv[3]);
  } catch (const std::exception&) {
    count = -1;
  }
  if (count <= 0) {
    std::cerr << "liaison-e2e-bulk-cases: COUNT must be a positive number\n";
    return 2;
  }
  const std::string prefix = argc == 5 ? argv[4] : "bulk case";
  const CaseKind* kind = Schema::get().find_kind("outbound_trip");
  if (!kind) {
    std::cerr << "liaison-e2e-bulk-cases: no outbound_trip kind in the schema\n";
    return 1;
  }

  sync::ReplicaOptions options;
  options.path = argv[1];
  options.self = *node;
  auto replica = sync::Replica::open(options);
  if (!replica) {
    std::cerr << "liaison-e2e-bulk-cases: " << replica.error().message << "\n";
    return 1;
  }
  const auto now_ms = static_cast<std::int64_t>(
      std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
          .count());
  std::vector<Uuid> ids;
  ids.reserve(static_cast<std::size_t>(count));
  Status st = (*replica)->transact([&]() -> Status {
    for (long i = 1; i <= count; ++i) {
      // The same cells `liaison-client case new` writes, plus a few fields.
      sync::Fields fields = {{"kind", std::string(kind->name)},
                             {"county", std::string(node->scope())},
                             {"title", prefix + " " + std::to_string(i)},
                             {"status", std::string(kind->initial_status)},
                             {"created_by", node->str()},
                             {"updated_at", now_ms},
                             {"destination", std::string("Hamburg")},
                             {"purpose", "考察第" + std::to_string(i) + "号"}};
      auto id = (*replica)->insert(TableId::cases, fields);
      if (!id) return id.error();
      ids.push_back(*id);
    }
    return {};
  });
  if (!st) {
    std::cerr << "liaison-e2e-bulk-cases: " << st.error().message << "\n";
    return 1;
  }
  for (const Uuid& id : ids) std::cout << id.to_string() << '\n';
  return 0;
}
