// Labels for people, in Chinese and English (shared/labels.hpp). The
// Chinese names follow the office's own usage: the kinds of its published
// duties (seeds/), the counties as the province writes them.
#include "shared/labels.hpp"

#include <atomic>
#include <cstdlib>
#include <utility>

#include "shared/schema.hpp"
#include "shared/text.hpp"

namespace liaison {
namespace {

std::atomic<Language> g_language{Language::zh};

using Pair = std::pair<std::string_view, std::string_view>;

std::string_view find(std::span<const Pair> table, std::string_view key) {
  for (const auto& [k, v] : table)
    if (k == key) return v;
  return {};
}

constexpr Pair kKinds[] = {
    {"outbound_trip", "因公出国（境）"},
    {"passport", "因公护照"},
    {"foreign_invitation", "邀请外国人来华"},
    {"delegation_visit", "外宾团组来访"},
    {"friendship_exchange", "友城与对外友协交流"},
    {"overseas_chinese", "侨务事项"},
    {"oc_complaint", "归侨侨眷信访"},
    {"foreign_incident", "涉外突发事件"},
    {"donation", "境外捐赠"},
    {"investment_liaison", "经贸科技人才联络"},
    {"training", "外事培训"},
    {"situation_report", "外事工作情况报告"},
    // directives
    {"notice", "通知"},
    {"task", "任务"},
    {"decision", "决定"},
};

constexpr Pair kStatuses[] = {
    {"draft", "草稿"},         {"submitted", "已报送"},  {"returned", "退回修改"}, {"forwarded", "已报省审批"},
    {"approved", "已批准"},    {"rejected", "不予批准"}, {"closed", "已办结"},     {"briefed", "已行前教育"},
    {"travelling", "出访中"},  {"home", "已回国"},       {"reported", "已报告"},   {"cancelled", "已取消"},
    {"in_custody", "在库"},    {"lent", "已借出"},       {"lost", "遗失"},         {"expired", "已过期"},
    {"issued", "已签发"},      {"due_back", "待归还"},   {"open", "待报告"},       {"acknowledged", "市外办已知悉"},
    {"resolved", "已处置"},    {"registered", "已登记"}, {"handling", "办理中"},   {"answered", "已答复"},
    {"followed_up", "已回访"}, {"planned", "计划中"},    {"held", "已举办"},
};

constexpr Pair kCountyNames[] = {
    {"kecheng", "柯城区"},   {"qujiang", "衢江区"}, {"jiangshan", "江山市"}, {"longyou", "龙游县"},
    {"changshan", "常山县"}, {"kaihua", "开化县"},  {"city", "市外办"},      {"all", "全部县（市、区）"},
};

constexpr Pair kFields[] = {
    {"kind", "类别"},
    {"county", "县（市、区）"},
    {"title", "标题"},
    {"status", "状态"},
    {"applicant", "申请人"},
    {"summary", "摘要"},
    {"updated_at", "更新时间"},
    {"created_by", "创建设备"},
    {"decision_reason", "审批意见"},
    {"ref", "编号"},
    {"number", "文号"},
    {"also_counties", "共同参与的县（市、区）"},
    {"destination", "出访国家（地区）"},
    {"depart_on", "出发日期"},
    {"return_on", "回国日期"},
    {"purpose", "事由"},
    {"briefing_done", "已行前教育"},
    {"invitee", "被邀请人"},
    {"nationality", "国籍"},
    {"organisation", "单位"},
    {"visit_from", "来访起始日"},
    {"visit_to", "来访结束日"},
    {"passport_no", "护照号"},
    {"holder", "持照人"},
    {"issued_on", "签发日期"},
    {"due_back_on", "应交还日期"},
    {"returned_on", "交还日期"},
    {"partner_city", "友好城市"},
    {"country", "国家（地区）"},
    {"event_on", "活动日期"},
    {"person", "当事人"},
    {"matter", "事项"},
    {"occurred_on", "发生日期"},
    {"location", "地点"},
    {"severity", "等级"},
    {"donor", "捐赠方"},
    {"amount", "金额"},
    {"currency", "币种"},
    {"partner", "合作方"},
    {"sector", "领域"},
    {"course", "课程"},
    {"starts_on", "开班日期"},
    {"participants", "人数"},
    {"period", "期间"},
    {"report_filed_on", "出访报告报送日期"},
    {"publicity_from", "公示起始日"},
    {"publicity_to", "公示结束日"},
    {"back_on", "实际回国日期"},
    {"province_ref", "省外办批件号"},
    {"passport_type", "护照种类"},
    {"expires_on", "有效期至"},
    {"lent_to", "借用团组"},
    {"lent_on", "借出日期"},
    {"letter_no", "邀请函编号"},
    {"answer", "答复内容"},
    {"answered_on", "答复日期"},
    {"followed_up_on", "回访日期"},
    // records of a case
    {"case_id", "案件"},
    {"author", "记录人"},
    {"body", "内容"},
    {"written_at", "记录时间"},
    {"label", "报告"},
    {"name", "姓名"},
    {"name_latin", "护照姓名"},
    {"gender", "性别"},
    {"born_on", "出生日期"},
    {"unit", "工作单位"},
    {"post", "职务"},
    {"id_no", "身份证号"},
    {"role", "身份"},
    {"attended", "出席"},
    {"at", "时间"},
    {"place", "地点"},
    {"description", "内容"},
    {"item", "礼品"},
    {"direction", "赠受"},
    {"counterpart", "对方"},
    {"value", "价值"},
    {"handed_over", "已上交"},
    // directives
    {"due_on", "办理期限"},
    {"targets", "下发范围"},
    {"issued_by", "发文设备"},
    {"issued_at", "发文时间"},
    {"withdrawn", "已撤回"},
    {"reminds", "催办"},
    {"directive_id", "文件"},
    {"received_at", "收到时间"},
    {"read_at", "阅知时间"},
    {"acknowledged_at", "签收时间"},
    {"reply", "回复"},
    {"replied_at", "回复时间"},
    {"replied_by", "回复设备"},
    {"set_at", "设定时间"},
    {"set_by", "设定设备"},
};

constexpr Pair kTables[] = {
    {"cases", "案件"},
    {"case_notes", "记录"},
    {"people", "人员"},
    {"itinerary_items", "行程"},
    {"gifts", "礼品"},
    {"guests", "来宾"},
    {"directives", "文件"},
    {"directive_receipts", "签收"},
    {"directive_replies", "回复"},
    {"settings", "设置"},
};

// Headings whose key is not their English: the value column of a
// field/value table and of the settings, apart from a gift's value (价值).
constexpr Pair kEnglishHeadings[] = {{"field value", "value"}, {"setting value", "value"}};

// Headings the programs print that are not a column's name.
constexpr Pair kHeadings[] = {
    {"id", "标识"},
    {"updated", "更新时间"},
    {"field", "字段"},
    {"field value", "内容"},
    {"setting value", "设定值"},
    {"#", "序号"},
    {"N", "序号"},
    {"overdue", "逾期事项"},
    {"due", "期限"},
    {"days late", "逾期天数"},
    {"first report", "首报时间"},
    {"minutes ago", "已过分钟"},
    {"reports", "报告次数"},
    {"written", "记录时间"},
    {"note", "内容"},
    {"passport", "护照"},
    {"type", "种类"},
    {"lent to", "借用团组"},
    {"due back", "应交还"},
    {"expires", "有效期至"},
    {"lent on", "借出日期"},
    {"returned on", "交还日期"},
    {"gift", "礼品"},
    {"received", "收到"},
    {"acknowledged", "已签收"},
    {"replied", "回复时间"},
    {"by", "设备"},
    {"login", "登录名"},
    {"staff role", "角色"},
    {"full name", "姓名"},
    {"account", "账号状态"},
    {"staff", "经办人"},
    {"setting", "设置"},
    {"default", "默认值"},
    {"what", "含义"},
    {"basis", "依据"},
    {"node", "设备"},
    {"last seen", "最近联系"},
    {"pending cells", "待同步字段"},
    {"behind (feed positions)", "落后（变更数）"},
    {"table", "表"},
    {"row", "记录"},
    {"kept", "保留值"},
    {"lost", "被覆盖值"},
    {"when", "时间"},
    {"refused value", "被拒绝的值"},
    {"code", "代码"},
    {"reason", "原因"},
    {"restored", "已恢复"},
    {"action", "操作"},
    {"now", "现值"},
    {"back to", "恢复为"},
    {"certificate", "证书"},
    {"before", "原值"},
    {"after", "新值"},
    {"tried", "试图写入"},
    {"why", "原因"},
    // the city's report
    {"opened", "立案"},
    {"pending", "办理中"},
    {"approved", "已批准"},
    {"rejected", "未批准"},
    {"closed", "已办结"},
    {"trips", "团组数"},
    {"person-trips", "人次"},
    {"visits", "来访团组"},
    {"visitors", "外宾人数"},
    {"incidents", "事件数"},
    {"donations", "笔数"},
    {"issued", "下发"},
    {"answered", "已回复"},
    {"overdue replies", "逾期未复"},
};

// A column of that name, in the first table that has one (a name means the
// same in every table).
const ColumnDef* column_named(std::string_view column) {
  for (const auto& table : Schema::get().tables())
    if (const auto index = table.column_index(column)) return &table.columns[*index];
  return nullptr;
}

}  // namespace

Language language() noexcept { return g_language.load(std::memory_order_relaxed); }

void set_language(Language language) noexcept { g_language.store(language, std::memory_order_relaxed); }

std::optional<Language> parse_language(std::string_view text) noexcept {
  if (text.starts_with("en")) return Language::en;
  if (text.starts_with("zh")) return Language::zh;
  return std::nullopt;
}

Language language_from_environment() noexcept {
  for (const char* name : {"LANGUAGE", "LC_ALL", "LC_MESSAGES", "LANG"})
    if (const char* value = std::getenv(name); value && *value)
      return std::string_view(value).starts_with("en") ? Language::en : Language::zh;
  return Language::zh;
}

std::string in_language(std::string_view en, std::string_view zh) {
  return std::string(language() == Language::en ? en : zh);
}

std::string kind_label(std::string_view kind) {
  if (language() == Language::zh)
    if (const auto zh = find(kKinds, kind); !zh.empty()) return std::string(zh);
  return std::string(kind);
}

std::string status_label(std::string_view kind, std::string_view status) {
  if (language() == Language::en) return std::string(status);
  if (kind == "passport" && status == "returned") return "已归还";
  const auto zh = find(kStatuses, status);
  return zh.empty() ? std::string(status) : std::string(zh);
}

std::string field_label(std::string_view column) {
  if (language() == Language::en) return std::string(column);
  const auto zh = find(kFields, column);
  return zh.empty() ? std::string(column) : std::string(zh);
}

std::string field_in_message(std::string_view column) {
  if (language() == Language::en) return "'" + std::string(column) + "'";
  return "「" + field_label(column) + "」（" + std::string(column) + "）";
}

std::string county_label(std::string_view county) {
  if (language() == Language::en) return std::string(county);
  const auto zh = find(kCountyNames, county);
  return zh.empty() ? std::string(county) : std::string(zh);
}

std::string table_label(std::string_view table) {
  if (language() == Language::en) return std::string(table);
  const auto zh = find(kTables, table);
  return zh.empty() ? std::string(table) : std::string(zh);
}

std::string heading_label(std::string_view heading) {
  if (language() == Language::en) {
    const auto en = find(kEnglishHeadings, heading);
    return std::string(en.empty() ? heading : en);
  }
  if (const auto zh = find(kHeadings, heading); !zh.empty()) return std::string(zh);
  if (const auto zh = find(kFields, heading); !zh.empty()) return std::string(zh);
  return county_label(heading);
}

namespace {

// "longyou+kaihua" split on `separator`, each county by its label.
std::string counties_label(std::string_view list, char separator) {
  std::string out;
  for (const auto county : split_list(list, separator)) out += (out.empty() ? "" : "、") + county_label(county);
  return out;
}

}  // namespace

std::string place_label(std::string_view place) {
  if (language() == Language::en) return std::string(place);
  return counties_label(place, '+');
}

std::string value_label(std::string_view column, std::string_view kind, std::string_view value) {
  if (language() == Language::en || value.empty()) return std::string(value);
  if (column == "kind") return kind_label(value);
  if (column == "status") return status_label(kind, value);
  if (column == "county" || column == "targets" || column == "also_counties") return counties_label(value, ',');
  const ColumnDef* def = column_named(column);
  if (!def) return std::string(value);
  if (def->format == ValueFormat::flag) return value == "1" ? "是" : value == "0" ? "否" : std::string(value);
  for (const auto& choice : def->choices)
    if (choice.value == value) return std::string(choice.label);
  return std::string(value);
}

}  // namespace liaison
