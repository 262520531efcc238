// Directive receipts; see receipts.hpp.
#include "sync/receipts.hpp"

#include "sync/replica.hpp"

namespace liaison::sync {

Uuid directive_receipt_id(const Uuid& directive, std::string_view county) { return derived_uuid(directive, county); }

Result<std::size_t> mark_directives_received(Replica& replica, const NodeId& node) {
  if (node.is_city()) return std::size_t{0};
  std::size_t marked = 0;
  Status st = replica.transact([&]() -> Status {
    auto directives = replica.list(TableId::directives);
    if (!directives) return directives.error();
    const auto now = static_cast<std::int64_t>(replica.clock().wall_ms());
    for (const auto& directive : *directives) {
      // A city node's replica may hold any; the hub only sends those addressed to us.
      if (!scope_visible(directive.scope, node.scope())) continue;
      const Uuid id = directive_receipt_id(directive.id, node.scope());
      auto receipt = replica.get(TableId::directive_receipts, id);
      if (!receipt) return receipt.error();
      if (*receipt && !is_null((**receipt)["received_at"])) continue;
      Fields fields;
      if (!*receipt) fields = {{"directive_id", directive.id.to_string()}, {"county", std::string(node.scope())}};
      fields.emplace_back("received_at", now);
      auto written = replica.insert(TableId::directive_receipts, fields, id);
      if (!written) return written.error();
      ++marked;
    }
    return {};
  });
  if (!st) return st.error();
  return marked;
}

}  // namespace liaison::sync
