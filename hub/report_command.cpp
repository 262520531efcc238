// `liaison-hub report`: the city's consolidated report for a period and a
// set of counties (what it counts: sync/city_report.hpp), printed as
// tables, or written as CSV (UTF-8 with a byte-order mark, which
// spreadsheet programs on Chinese Windows need to read it as UTF-8) or as
// a formatted workbook (libxlsxwriter). A file is written whole or not at
// all: to a temporary name beside it, then renamed.
#include <unistd.h>
#include <xlsxwriter.h>

#include <cstdio>
#include <filesystem>
#include <fstream>

#include "hub/commands.hpp"
#include "shared/field_format.hpp"
#include "shared/labels.hpp"
#include "shared/node_id.hpp"
#include "shared/text.hpp"
#include "sync/city_report.hpp"
#include "sync/review.hpp"

namespace liaison::hub {
namespace {

// One section of the report: a title and a table whose cells are text or
// numbers (numbers stay numbers in the workbook).
struct Cell {
  std::string text;
  std::optional<double> number;
  bool money = false;
};
struct Section {
  std::string sheet, title;
  std::vector<std::string> headings;
  std::vector<std::vector<Cell>> rows;
};

Cell text(std::string t) { return {std::move(t), std::nullopt, false}; }
Cell count(std::int64_t n) { return {std::to_string(n), static_cast<double>(n), false}; }
Cell money(double amount) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.2f", amount);
  return {buf, amount, true};
}

std::string or_not_given(const std::string& value) {
  return value.empty() ? in_language("(not given)", "（未填）") : value;
}

std::vector<Section> sections_of(const sync::CityReport& r) {
  std::vector<Section> out;
  const auto headings = [](std::initializer_list<const char*> keys) {
    std::vector<std::string> h;
    for (const char* k : keys) h.push_back(heading_label(k));
    return h;
  };
  {
    Section s{in_language("cases", "案件"),
              in_language("Cases opened in the period, by where they stand now", "期间立案的案件及其目前办理情况"),
              headings({"county", "kind", "opened", "pending", "approved", "rejected", "closed"}),
              {}};
    for (const auto& c : r.cases)
      s.rows.push_back({text(place_label(c.county)), text(kind_label(c.kind)), count(c.opened), count(c.pending),
                        count(c.approved), count(c.rejected), count(c.closed)});
    out.push_back(std::move(s));
  }
  {
    Section s{in_language("trips", "出访"),
              in_language("Approved trips abroad departing in the period, by destination",
                          "期间出发的已批准因公出国（境）团组，按出访国家（地区）"),
              headings({"county", "country", "trips", "person-trips"}),
              {}};
    for (const auto& t : r.trips)
      s.rows.push_back(
          {text(place_label(t.county)), text(or_not_given(t.country)), count(t.trips), count(t.person_trips)});
    out.push_back(std::move(s));
  }
  {
    Section s{in_language("visitors", "来访"),
              in_language("Approved visits and invitations beginning in the period, and their foreign visitors",
                          "期间开始的已批准外宾来访和邀请，及来访外宾人数"),
              headings({"county", "visits", "visitors"}),
              {}};
    for (const auto& v : r.visits) s.rows.push_back({text(place_label(v.county)), count(v.visits), count(v.visitors)});
    out.push_back(std::move(s));
  }
  {
    Section s{
        in_language("incidents", "涉外事件"),
        in_language("Incidents concerning foreigners in the period, by severity", "期间发生的涉外突发事件，按级别"),
        headings({"county", "severity", "incidents"}),
        {}};
    for (const auto& i : r.incidents)
      s.rows.push_back({text(place_label(i.county)),
                        text(i.severity.empty() ? in_language("(not graded)", "（未定级）")
                                                : value_label("severity", "foreign_incident", i.severity)),
                        count(i.incidents)});
    out.push_back(std::move(s));
  }
  {
    Section s{in_language("donations", "捐赠"),
              in_language("Donations from abroad opened in the period and accepted, per currency",
                          "期间立案并已批准接受的境外捐赠，按币种合计"),
              headings({"county", "currency", "donations", "amount"}),
              {}};
    for (const auto& d : r.donations)
      s.rows.push_back(
          {text(place_label(d.county)), text(or_not_given(d.currency)), count(d.donations), money(d.amount)});
    out.push_back(std::move(s));
  }
  {
    Section s{
        in_language("directives", "督办"),
        in_language("Directives issued in the period: answered, overdue", "期间下发的文件和任务：已回复、逾期未复"),
        headings({"county", "issued", "answered", "overdue replies"}),
        {}};
    for (const auto& d : r.directives)
      s.rows.push_back({text(place_label(d.county)), count(d.issued), count(d.answered), count(d.overdue)});
    out.push_back(std::move(s));
  }
  return out;
}

std::string period_line(const sync::CityReport& r) {
  std::string counties;
  for (const auto& c : r.query.counties) counties += (counties.empty() ? "" : in_language(", ", "、")) + place_label(c);
  return in_language("Report ", "统计报表 ") + r.query.from_day + in_language(" to ", " 至 ") + r.query.to_day + " — " +
         counties;
}

// A cell a spreadsheet would take for a formula (= + - @, or a tab or
// return before one) starts with an apostrophe, shown as text.
std::string neutralised(const std::string& cell) {
  if (!cell.empty() && std::string_view("=+-@\t\r").find(cell.front()) != std::string_view::npos) return "'" + cell;
  return cell;
}

std::string csv_field(const Cell& cell) {
  const std::string value = cell.number ? cell.text : neutralised(cell.text);
  if (value.find_first_of(",\"\r\n") == std::string::npos) return value;
  std::string quoted = "\"";
  for (const char c : value) quoted += c == '"' ? std::string("\"\"") : std::string(1, c);
  return quoted + "\"";
}

std::string csv_of(const sync::CityReport& r, const std::vector<Section>& sections) {
  std::string out = "\xEF\xBB\xBF";  // UTF-8 byte-order mark
  const auto line = [&](const std::vector<Cell>& cells) {
    for (std::size_t i = 0; i < cells.size(); ++i) out += (i ? "," : "") + csv_field(cells[i]);
    out += "\r\n";
  };
  line({text(period_line(r))});
  for (const auto& s : sections) {
    out += "\r\n";
    line({text(s.title)});
    std::vector<Cell> head;
    for (const auto& h : s.headings) head.push_back(text(h));
    line(head);
    for (const auto& row : s.rows) line(row);
  }
  return out;
}

Status write_csv(const std::string& path, const std::string& body) {
  return write_whole(path, [&](const std::string& to) -> Status {
    std::ofstream file(to, std::ios::binary | std::ios::trunc);
    file << body;
    file.close();
    if (!file)
      return make_error(Errc::storage_failed, "can't write " + path + ": the folder is missing or not writable");
    return {};
  });
}

Status write_xlsx(const std::string& path, const sync::CityReport& r, const std::vector<Section>& sections) {
  return write_whole(path, [&](const std::string& to) -> Status {
    lxw_workbook* book = workbook_new(to.c_str());
    if (!book)
      return make_error(Errc::storage_failed, "can't write " + path + ": the folder is missing or not writable");
    lxw_format* title = workbook_add_format(book);
    format_set_bold(title);
    format_set_font_size(title, 13);
    lxw_format* heading = workbook_add_format(book);
    format_set_bold(heading);
    format_set_bg_color(heading, 0xDDEBF7);
    format_set_border(heading, LXW_BORDER_THIN);
    lxw_format* plain = workbook_add_format(book);
    format_set_border(plain, LXW_BORDER_THIN);
    lxw_format* amount = workbook_add_format(book);
    format_set_border(amount, LXW_BORDER_THIN);
    format_set_num_format(amount, "#,##0.00");
    for (const auto& s : sections) {
      lxw_worksheet* sheet = workbook_add_worksheet(book, s.sheet.c_str());
      worksheet_write_string(sheet, 0, 0, period_line(r).c_str(), title);
      worksheet_write_string(sheet, 1, 0, s.title.c_str(), nullptr);
      for (std::size_t c = 0; c < s.headings.size(); ++c) {
        worksheet_write_string(sheet, 3, static_cast<lxw_col_t>(c), s.headings[c].c_str(), heading);
        worksheet_set_column(sheet, static_cast<lxw_col_t>(c), static_cast<lxw_col_t>(c), c < 2 ? 18 : 12, nullptr);
      }
      for (std::size_t i = 0; i < s.rows.size(); ++i)
        for (std::size_t c = 0; c < s.rows[i].size(); ++c) {
          const Cell& cell = s.rows[i][c];
          const auto row = static_cast<lxw_row_t>(i + 4);
          const auto col = static_cast<lxw_col_t>(c);
          if (cell.number)
            worksheet_write_number(sheet, row, col, *cell.number, cell.money ? amount : plain);
          else
            worksheet_write_string(sheet, row, col, cell.text.c_str(), plain);
        }
      worksheet_freeze_panes(sheet, 4, 0);
    }
    const lxw_error closed = workbook_close(book);
    if (closed != LXW_NO_ERROR)
      return make_error(Errc::storage_failed, "can't write " + path + ": " + lxw_strerror(closed));
    return {};
  });
}

Result<std::vector<std::string>> counties_option(const std::optional<std::string>& option) {
  std::vector<std::string> counties;
  if (!option) return counties;
  // Typed as people write lists: "longyou,kaihua" or "longyou、kaihua".
  for (auto& county : sync::destination_countries(*option)) {
    if (!is_county(county) && county != kCityScope)
      return make_error(Errc::invalid_argument, "--county " + escape_for_terminal(county) +
                                                    in_language(" is not a county: ", " 不是县（市、区）：") +
                                                    "kecheng, qujiang, jiangshan, longyou, changshan, kaihua, city");
    if (std::find(counties.begin(), counties.end(), county) == counties.end()) counties.push_back(std::move(county));
  }
  if (counties.empty()) return make_error(Errc::invalid_argument, in_language("--county is empty", "--county 为空"));
  return counties;
}

}  // namespace

Status write_whole(const std::string& path, const std::function<Status(const std::string&)>& write_to) {
  const std::string temporary = path + ".part";
  // Said before any writer tries (and libxlsxwriter prints its own line).
  const auto folder = std::filesystem::absolute(path).parent_path();
  if (std::error_code ec; !std::filesystem::is_directory(folder, ec) || ::access(folder.c_str(), W_OK) != 0)
    return make_error(
        Errc::storage_failed,
        in_language("can't write " + path + ": the folder " + folder.string() +
                        " is missing or not writable — give a file in a folder that exists",
                    "无法写入 " + path + "：文件夹 " + folder.string() + " 不存在或不可写 — 请换一个已有的文件夹"));
  if (Status st = write_to(temporary); !st) {
    std::error_code ignored;
    std::filesystem::remove(temporary, ignored);
    return st;
  }
  std::error_code ec;
  std::filesystem::rename(temporary, path, ec);
  if (ec) {
    std::filesystem::remove(temporary, ec);
    return make_error(Errc::storage_failed, "can't write " + path + ": " + ec.message());
  }
  return {};
}

Outcome cmd_report(Context& ctx, cli::Args& args) {
  const auto from = args.option("from");
  const auto to = args.option("to");
  const auto county = args.option("county");
  const std::string format = args.option("format").value_or("table");
  const auto out = args.option("out");
  LIAISON_TRY(args.finish());
  if (!from || !to)
    return make_error(Errc::usage, in_language("report needs the period: --from YYYY-MM-DD --to YYYY-MM-DD",
                                               "报表需要期间：--from 年-月-日 --to 年-月-日"));
  LIAISON_TRY(check_day_options(from, to));
  if (format != "table" && format != "csv" && format != "xlsx")
    return make_error(Errc::usage, "--format " + escape_for_terminal(format) +
                                       in_language(" must be table, csv or xlsx", " 应为 table、csv 或 xlsx"));
  if (format == "xlsx" && !out)
    return make_error(Errc::usage, in_language("a workbook needs a file: --format xlsx --out REPORT.xlsx",
                                               "工作簿需要文件名：--format xlsx --out 报表.xlsx"));
  if (format == "csv" && !out && ctx.json)
    return make_error(Errc::usage,
                      in_language("--json prints the report as JSON, --format csv as CSV: choose one "
                                  "(or write the CSV to a file with --out)",
                                  "--json 输出 JSON，--format csv 输出 CSV，只能选一种（或用 --out 把 CSV 写入文件）"));
  if (format == "table" && out)
    return make_error(Errc::usage,
                      in_language("--out needs --format csv or xlsx", "--out 需与 --format csv 或 xlsx 同用"));
  auto counties = counties_option(county);
  if (!counties) return counties.error();

  auto report = sync::city_report(*ctx.replica, {*from, *to, *counties, china_date(ctx.replica->clock().wall_ms())});
  if (!report) return report.error();
  const auto sections = sections_of(*report);
  if (format == "csv" && !out) {
    std::string csv = csv_of(*report, sections);
    csv.resize(csv.size() - 2);  // the printer ends the last line
    return cli::Report{"", {std::move(csv)}};
  }
  if (format == "csv") LIAISON_TRY(write_csv(*out, csv_of(*report, sections)));
  if (format == "xlsx") LIAISON_TRY(write_xlsx(*out, *report, sections));

  std::vector<std::string> json_sections;
  cli::Report printed{"", {}};
  if (!out) printed.line(period_line(*report));
  for (const auto& s : sections) {
    // JSON: each row an array of its cells, numbers as numbers.
    std::vector<std::string> rows, headings;
    cli::Table table{s.headings, {}};
    for (const auto& row : s.rows) {
      std::vector<std::string> values, cells;
      for (const auto& cell : row) {
        values.push_back(cell.number ? cell.text : cli::json_quote(cell.text));
        cells.push_back(cell.text);
      }
      rows.push_back(cli::json_array(values));
      table.rows.push_back(std::move(cells));
    }
    for (const auto& h : s.headings) headings.push_back(cli::json_quote(h));
    json_sections.push_back(cli::json_object({{"section", cli::json_quote(s.sheet)},
                                              {"title", cli::json_quote(s.title)},
                                              {"headings", cli::json_array(headings)},
                                              {"rows", cli::json_array(rows)}}));
    if (!out) {
      printed.line("");
      printed.line(s.title);
      printed.table_or(table, in_language("  none", "  无"));
    }
  }
  printed.json = cli::json_object({{"from", cli::json_quote(*from)},
                                   {"to", cli::json_quote(*to)},
                                   {"sections", cli::json_array(json_sections)},
                                   {"file", out ? cli::json_quote(*out) : std::string("null")}});
  if (out) printed.line(in_language("written: ", "已写入：") + *out);
  return printed;
}

}  // namespace liaison::hub
