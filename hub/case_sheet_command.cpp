// `liaison-hub case sheet REF --out FILE.xlsx`: the one-page sheet of a case
// for the paper file, as a workbook set to print on one A4 page: its
// fields, people, passports, programme, gifts and notes (what `case show`
// shows), the decision and who made it, and the latest changes of its
// history with who made each. Written whole or not at all.
#include <xlsxwriter.h>

#include <ctime>

#include "hub/commands.hpp"
#include "shared/labels.hpp"
#include "shared/staff.hpp"
#include "sync/case_history.hpp"
#include "sync/staff_accounts.hpp"

namespace liaison::hub {
namespace {

// What fits on the page beside the rest: the latest changes, the others
// being in `case history`.
constexpr std::size_t kHistoryOnSheet = 25;
constexpr int kColumns = 8;

// The decision on the case and who made it, from the hub's history: the
// latest move of a case awaiting one into approved, rejected, returned or
// forwarded.
std::string decision_line(sync::Replica& replica, const sync::Row& row) {
  const std::vector<Uuid> rows = {row.id};
  auto history = replica.history_of(rows);
  const auto status = *Schema::get().table(TableId::cases).column_index("status");
  const sync::Change* decided = nullptr;
  if (history)
    for (const auto& c : *history)
      if (!c.created_row && c.column == status && is_decision(to_display(c.old_value), to_display(c.new_value)))
        decided = &c;
  if (!decided) return in_language("decision: none yet", "审批决定：尚无");
  const std::string kind = to_display(row["kind"]);
  const std::string who = decided->staff.empty() ? decided->node : sync::staff_label(decided->staff);
  const std::string reason = to_display(row["decision_reason"]);
  return in_language("decision: ", "审批决定：") + status_label(kind, to_display(decided->new_value)) +
         in_language(", by ", "，") + who + in_language(", ", "，") + cli::format_time(decided->at_ms) +
         (reason.empty() ? "" : in_language("; reason: ", "；审批意见：") + reason);
}

struct SheetWriter {
  lxw_worksheet* sheet;
  lxw_format *title, *heading, *cell, *text;
  lxw_row_t row = 0;

  void line(const std::string& words, lxw_format* format = nullptr) {
    if (!words.empty()) {
      worksheet_merge_range(sheet, row, 0, row, kColumns - 1, words.c_str(), format ? format : text);
      worksheet_set_row(sheet, row, words.size() > 90 ? 30 : LXW_DEF_ROW_HEIGHT, nullptr);
    }
    ++row;
  }
  void table(const cli::Table& t) {
    // A two-column table (a field and its value) spreads its value over
    // the rest of the row.
    const bool pairs = t.headers.size() == 2;
    const auto put = [&](std::size_t c, const std::string& value, lxw_format* format) {
      const auto col = static_cast<lxw_col_t>(c);
      if (pairs && c == 1)
        worksheet_merge_range(sheet, row, 1, row, kColumns - 1, value.c_str(), format);
      else if (c < kColumns)
        worksheet_write_string(sheet, row, col, value.c_str(), format);
    };
    for (std::size_t c = 0; c < t.headers.size(); ++c) put(c, heading_label(t.headers[c]), heading);
    ++row;
    for (const auto& cells : t.rows) {
      for (std::size_t c = 0; c < cells.size(); ++c) put(c, cells[c], cell);
      ++row;
    }
  }
  void report(const cli::Report& r) {
    for (const auto& part : r.text) {
      if (const auto* t = std::get_if<cli::Table>(&part))
        table(*t);
      else
        line(std::get<std::string>(part));
    }
  }
};

Status write_sheet(const std::string& path, const std::string& heading_line, const cli::Report& sheet_report,
                   const std::string& decision, const cli::Report& history, std::size_t changes_left_out) {
  return write_whole(path, [&](const std::string& to) -> Status {
    lxw_workbook* book = workbook_new(to.c_str());
    if (!book)
      return make_error(Errc::storage_failed, "can't write " + path + ": the folder is missing or not writable");
    SheetWriter w{workbook_add_worksheet(book, in_language("case sheet", "案件登记表").c_str()), nullptr, nullptr,
                  nullptr, nullptr};
    w.title = workbook_add_format(book);
    format_set_bold(w.title);
    format_set_font_size(w.title, 14);
    format_set_align(w.title, LXW_ALIGN_CENTER);
    w.heading = workbook_add_format(book);
    format_set_bold(w.heading);
    format_set_bg_color(w.heading, 0xDDEBF7);
    format_set_border(w.heading, LXW_BORDER_THIN);
    format_set_text_wrap(w.heading);
    w.cell = workbook_add_format(book);
    format_set_border(w.cell, LXW_BORDER_THIN);
    format_set_text_wrap(w.cell);
    format_set_align(w.cell, LXW_ALIGN_VERTICAL_TOP);
    w.text = workbook_add_format(book);
    format_set_text_wrap(w.text);
    worksheet_set_column(w.sheet, 0, kColumns - 1, 13, nullptr);
    worksheet_set_paper(w.sheet, 9);  // A4
    worksheet_set_portrait(w.sheet);
    worksheet_fit_to_pages(w.sheet, 1, 1);
    worksheet_center_horizontally(w.sheet);
    worksheet_set_margins(w.sheet, 0.5, 0.5, 0.6, 0.6);
    worksheet_set_footer(w.sheet, in_language("&LPrinted &D &T&RLiaison", "&L打印于 &D &T&R衢州市外事办公室").c_str());
    w.line(in_language("Quzhou Foreign Affairs Office — case sheet", "衢州市人民政府外事办公室　案件登记表"), w.title);
    w.line(heading_line);
    w.line("");
    w.report(sheet_report);
    w.line("");
    w.line(decision);
    w.line("");
    w.line(in_language("changes (latest first is last):", "修改记录（按时间先后）："));
    w.report(history);
    if (changes_left_out)
      w.line(in_language(std::to_string(changes_left_out) + " earlier changes: see 'liaison-hub case history'",
                         "更早的 " + std::to_string(changes_left_out) + " 条修改见 liaison-hub case history"));
    const lxw_error closed = workbook_close(book);
    if (closed != LXW_NO_ERROR)
      return make_error(Errc::storage_failed, "can't write " + path + ": " + lxw_strerror(closed));
    return {};
  });
}

}  // namespace

Outcome cmd_case_sheet(Context& ctx, cli::Args& args) {
  const auto out = args.option("out");
  const auto words = args.positionals();
  LIAISON_TRY(args.finish());
  if (words.size() != 1 || !out)
    return make_error(Errc::usage, in_language("case sheet needs one case and --out FILE.xlsx — see --help",
                                               "case sheet 需要一件案件和 --out 文件.xlsx — 见 --help"));
  auto shown = show_case(ctx, words[0]);
  if (!shown) return shown.error();
  const sync::Row& row = shown->row;
  auto history = sync::case_history_report(*ctx.replica, row.id);
  if (!history) return history.error();
  // The latest changes only: the rows of the history's table, cut.
  std::size_t left_out = 0;
  for (auto& part : history->text)
    if (auto* t = std::get_if<cli::Table>(&part); t && t->rows.size() > kHistoryOnSheet) {
      left_out = t->rows.size() - kHistoryOnSheet;
      t->rows.erase(t->rows.begin(), t->rows.begin() + static_cast<std::ptrdiff_t>(left_out));
    }
  const std::string kind = to_display(row["kind"]);
  const std::string number = to_display(row["number"]);
  const std::string heading_line = kind_label(kind) + in_language("   ref ", "　编号 ") + to_display(row["ref"]) +
                                   (number.empty() ? "" : in_language("   number ", "　文号 ") + number) +
                                   in_language("   printed ", "　打印于 ") +
                                   cli::format_time(static_cast<std::uint64_t>(std::time(nullptr)) * 1000);
  LIAISON_TRY(write_sheet(*out, heading_line, shown->sheet, decision_line(*ctx.replica, row), *history, left_out));
  const std::string done =
      in_language("wrote the case sheet of " + to_display(row["ref"]) + " to " + *out + " (one A4 page)",
                  "已将案件 " + to_display(row["ref"]) + " 的登记表写入 " + *out + "（A4 一页）");
  return cli::message_report(done);
}

}  // namespace liaison::hub
