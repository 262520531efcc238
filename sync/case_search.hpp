// Finding cases by what people remember of them: words of the title or
// summary, a person's name in Chinese or in passport spelling, a passport
// or document number. One full-text document per case (`_case_search`, an
// FTS5 table with the trigram tokenizer: Chinese has no spaces between
// words); local to each replica, never synced. Internal to sync/; read
// through Replica::search_cases.
//
// Indexing a case costs 50 to 200 µs (its text makes a hundred trigrams or
// more), more than storing it: a bootstrap of 143,000 cases would take
// several times as long. So the index is brought up to date later: a
// search first indexes the cases stored since the last one, and the hub
// does a few hundred at a time while no node is sending. New cases are
// those above the last rowid indexed (`_meta` search_indexed_through); a
// case changed after it was indexed, or whose people changed, is marked
// (`_search_dirty`). A bootstrap, which only adds rows, writes nothing more.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "sync/replica.hpp"
#include "sync/sqlite.hpp"

namespace liaison::sync {

class CaseSearchIndex {
 public:
  // Creates the index if the file has none yet (every case then waits to
  // be indexed).
  Status prepare(sql::Database& db);
  // Rereads how far the index goes (another process may have indexed).
  Status reload();
  // The case `id` was stored at `rowid`: to be indexed anew if it was before.
  Status stored_case(std::int64_t rowid, const Uuid& id);
  // A person or guest of the case `case_id` was stored.
  Status stored_record(const Value& case_id);
  // Whether some case waits to be indexed (a read: no transaction needed).
  Result<bool> behind();
  // Indexes at most `max_cases` waiting cases (0: all), new ones first, in
  // the order they were stored; returns how many. In a write transaction.
  Result<std::size_t> catch_up(std::size_t max_cases = 0);
  // Ids of matching cases, the latest stored first. After catch_up.
  Result<std::vector<Uuid>> find(const CaseSearch& query);

 private:
  // The case `id` with its people, indexed anew, or removed from the index
  // when deleted or gone.
  Status index_case(const Uuid& id);
  Status mark(const Uuid& id);
  sql::Database* db_ = nullptr;
  std::int64_t indexed_through_ = 0;  // the highest cases rowid indexed
  sql::Statement through_, set_through_, new_cases_, mark_, marked_, indexed_, unmark_, remove_, insert_, people_,
      guests_, case_by_id_;
};

}  // namespace liaison::sync
