// Finding cases by what people remember of them: words of the title or
// summary, a person's name in Chinese or in passport spelling, a passport
// or document number. One full-text document per case (`_case_search`, an
// FTS5 table with the trigram tokenizer: Chinese has no spaces between
// words); local to each replica, never synced. Internal to sync/; read
// through Replica::search_cases.
//
// Indexing a case costs some 50 µs (its text makes a hundred trigrams),
// more than storing it: a bootstrap of 143,000 cases would take ten times
// as long. So storing a case or a person only marks the case
// (`_search_dirty`); a search first indexes what is marked, and the hub
// indexes a few hundred cases at a time while it has nothing else to do.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "sync/replica.hpp"
#include "sync/sqlite.hpp"

namespace liaison::sync {

class CaseSearchIndex {
 public:
  // Creates the index if the file has none yet, every case stored marked.
  Status prepare(sql::Database& db);
  // The case `id` is to be indexed anew (it, or one of its people, changed).
  Status mark(const Uuid& id);
  // ...or the case a person or guest belongs to.
  Status mark_parent(const Value& case_id);
  // Whether a stored case is marked (a read: no transaction needed).
  Result<bool> behind();
  // Indexes the marked cases, at most `max_cases` of them (0: all), in the
  // order they were stored; returns how many. Inside a write transaction.
  Result<std::size_t> catch_up(std::size_t max_cases = 0);
  // Ids of matching cases, the latest stored first. After catch_up.
  Result<std::vector<Uuid>> find(const CaseSearch& query);

 private:
  // The case `id` with its people, indexed anew, or removed from the index
  // when deleted or gone.
  Status index_case(const Uuid& id);
  sql::Database* db_ = nullptr;
  sql::Statement mark_, marked_, indexed_, unmark_, remove_, insert_, people_, guests_, case_by_id_;
};

}  // namespace liaison::sync
