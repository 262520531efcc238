// Finding cases by what people remember of them: words of the title or
// summary, a person's name in Chinese or in passport spelling, a passport
// or document number. One full-text document per case (`_case_search`, an
// FTS5 table with the trigram tokenizer: Chinese has no spaces between
// words), kept by the replica as it stores cases and their people; local to
// each replica, never synced. Internal to sync/; read through
// Replica::search_cases.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "sync/replica.hpp"
#include "sync/sqlite.hpp"

namespace liaison::sync {

class CaseSearchIndex {
 public:
  // Creates the index if the file has none yet: true when it did, and every
  // case already stored is to be indexed (index_all).
  Result<bool> prepare(sql::Database& db);
  Status index_all();
  // The case stored at `rowid` (its values by schema column), indexed anew
  // with its people, or removed from the index when deleted.
  Status index_case(std::int64_t rowid, const Uuid& id, const std::vector<Value>& values);
  // The case a person or guest belongs to, indexed anew.
  Status index_parent(const Value& case_id);
  // Ids of matching cases, the latest stored first.
  Result<std::vector<Uuid>> find(const CaseSearch& query);

 private:
  sql::Database* db_ = nullptr;
  sql::Statement remove_, insert_, people_, guests_, case_by_id_;
};

}  // namespace liaison::sync
