// liaison-craft-write: writes cells straight into a client replica through
// the replica API, skipping the client's own authority pre-check, so tests
// can send the hub writes an honest client would refuse (another county's
// case, a directive from a county). Test tool only.
//   liaison-craft-write REPLICA.db NODE_ID TABLE ROW_ID FIELD=VALUE...
#include <iostream>

#include "sync/replica.hpp"

int main(int argc, char** argv) {
  using namespace liaison;
  if (argc < 6) {
    std::cerr << "usage: liaison-craft-write REPLICA.db NODE_ID TABLE ROW_ID FIELD=VALUE...\n";
    return 2;
  }
  auto node = NodeId::parse(argv[2]);
  const TableDef* table = Schema::get().find_table(argv[3]);
  auto row = Uuid::parse(argv[4]);
  if (!node || !table || !row) {
    std::cerr << "liaison-craft-write: bad node, table or row id\n";
    return 2;
  }
  sync::Fields fields;
  for (int i = 5; i < argc; ++i) {
    const std::string arg = argv[i];
    const auto eq = arg.find('=');
    const auto col = table->column_index(arg.substr(0, eq));
    if (eq == std::string::npos || !col) {
      std::cerr << "liaison-craft-write: bad field '" << arg << "'\n";
      return 2;
    }
    const std::string value = arg.substr(eq + 1);
    if (table->columns[*col].type == ValueType::integer)
      fields.emplace_back(arg.substr(0, eq), std::int64_t{std::stoll(value)});
    else
      fields.emplace_back(arg.substr(0, eq), value);
  }
  sync::ReplicaOptions options;
  options.path = argv[1];
  options.self = *node;
  auto replica = sync::Replica::open(options);
  if (!replica) {
    std::cerr << "liaison-craft-write: " << replica.error().message << "\n";
    return 1;
  }
  auto id = (*replica)->insert(table->id, fields, *row);
  if (!id) {
    std::cerr << "liaison-craft-write: " << id.error().message << "\n";
    return 1;
  }
  return 0;
}
