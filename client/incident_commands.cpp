// `incident report` and `alerts`: a foreign incident is reported at once and
// followed up. Each report is a note of the case labelled 首报 (the first,
// which also moves the case to reported), 续报一, 续报二 ... and 终报 (the
// final one). `alerts` lists the incidents the city has not acknowledged
// yet, most severe first: what a city desk watches for.
#include "client/commands.hpp"

#include "shared/labels.hpp"
#include "client/output.hpp"
#include "sync/alerts.hpp"

namespace liaison::client {
namespace {}  // namespace

Outcome cmd_incident_report(Invocation& in) {
  const bool final_report = in.args.flag("final");
  std::vector<std::string> words;
  LIAISON_TRY(take_words(in.args, words, 2, SIZE_MAX, "incident report CASE TEXT [--final]"));
  auto body = text_after_first(words, "report", "incident report CASE TEXT");
  if (!body) return body.error();
  auto opened = open_case(in, words[0]);
  if (!opened) return opened.error();
  auto& at = *opened;
  const std::string ref = to_display(at.row["ref"]), status = to_display(at.row["status"]);
  if (at.kind->name != "foreign_incident")
    return make_error(Errc::invalid_argument,
                      "case " + ref + " is " + std::string(at.kind->name) + ", not a foreign incident");
  if (status == "resolved")
    return advised(Errc::bad_transition, "incident " + ref + " is resolved", "add a note instead ('note add')");
  auto notes = at.context.replica->list(TableId::case_notes, {{{"case_id", at.row.id.to_string()}}, false, 0});
  if (!notes) return notes.error();
  int reports = 0;
  for (const auto& note : *notes) reports += is_null(note["label"]) ? 0 : 1;
  const std::string label = sync::report_label(reports, final_report);
  const sync::Fields note = {{"case_id", at.row.id.to_string()},
                             {"author", at.context.node.str()},
                             {"body", *body},
                             {"written_at", static_cast<std::int64_t>(at.context.now_ms())},
                             {"label", label}};
  Uuid written;
  Status st = at.context.replica->transact([&]() -> Status {
    auto id = checked_insert(at.context, TableId::case_notes, note);
    if (!id) return id.error();
    written = *id;
    if (status != "open") return {};
    return checked_update(at.context, TableId::cases, at.row.id, {{"status", std::string("reported")}});
  });
  if (!st) return advised(st.error(), "nothing was written");
  cli::Report report{cli::json_object({{"id", cli::json_quote(written.to_string())},
                                       {"case_id", cli::json_quote(at.row.id.to_string())},
                                       {"label", cli::json_quote(label)}}),
                     {}};
  if (!english())
    return report.line(
        "已记录事件 " + ref + " 的" + label +
        (status == "open" ? "，状态改为已报告：请立即同步，送达后市外办即收到提醒" : "，下次同步时报送市外办"));
  return report.line(label + " of incident " + ref + " recorded" +
                     (status == "open" ? "; the case is reported: sync now, the city is alerted when it arrives"
                                       : "; the city gets it at the next sync"));
}

Outcome cmd_alerts(Invocation& in) {
  std::vector<std::string> words;
  LIAISON_TRY(take_words(in.args, words, 0, 0, "alerts"));
  auto context = open_context(in);
  if (!context) return context.error();
  auto alerts = sync::find_alerts(*context->replica);
  if (!alerts) return alerts.error();
  return sync::alerts_report(*alerts, context->now_ms());
}

}  // namespace liaison::client
