// The command model; see command.hpp.
#include "shared/command.hpp"

#include <algorithm>
#include <ostream>
#include <sstream>

#include "shared/cli.hpp"

namespace liaison::cli {
namespace {

std::vector<std::string> split_words(std::string_view text) {
  std::vector<std::string> out;
  std::istringstream in{std::string(text)};
  for (std::string w; in >> w;) out.push_back(w);
  return out;
}

std::string first_word(std::string_view words) { return std::string(words.substr(0, words.find(' '))); }

std::string usage_line(const CommandSpec& c) {
  std::string line(c.words);
  if (!c.arguments.empty()) line += " " + std::string(c.arguments);
  return line;
}

std::string option_text(const OptionSpec& o) {
  std::string text = "--" + std::string(o.name);
  if (!o.value.empty()) text += " " + std::string(o.value);
  return text;
}

// Lines of `text`, each indented by `indent` spaces (blank lines stay blank).
void indented(std::ostream& out, std::string_view text, std::size_t indent) {
  std::istringstream in{std::string(text)};
  for (std::string line; std::getline(in, line);) out << (line.empty() ? "" : std::string(indent, ' ') + line) << "\n";
}

// `left` padded to `column`, then `right`; on the next line when it doesn't fit.
void two_columns(std::ostream& out, const std::string& left, std::string_view right, std::size_t column) {
  const std::size_t width = display_width(left);
  if (width + 2 <= column) {
    out << left << std::string(column - width, ' ') << right << "\n";
  } else {
    out << left << "\n" << std::string(column, ' ') << right << "\n";
  }
}

void print_options(std::ostream& out, const std::vector<OptionSpec>& options, std::size_t indent) {
  for (const auto& o : options) two_columns(out, std::string(indent, ' ') + option_text(o), o.help, indent + 24);
}

// Text for roff: backslashes escaped, and a line that starts with a dot or
// quote is not taken for a request.
std::string roff(std::string_view text) {
  std::string out;
  bool line_start = true;
  for (const char ch : text) {
    if (line_start && (ch == '.' || ch == '\'')) out += "\\&";
    if (ch == '\\')
      out += "\\e";
    else if (ch == '-')
      out += "\\-";
    else
      out += ch;
    line_start = ch == '\n';
  }
  return out;
}

std::string upper(std::string_view text) {
  std::string out(text);
  for (char& ch : out) ch = static_cast<char>(std::toupper(static_cast<unsigned char>(ch)));
  return out;
}

std::string shell_name(std::string_view program) {
  std::string out = "_";
  for (const char ch : program) out += ch == '-' ? '_' : ch;
  return out;
}

}  // namespace

Report message_report(const std::string& line) {
  return Report{json_object({{"ok", "true"}, {"message", json_quote(line)}}), {}}.line(line);
}

void render(std::ostream& out, const Report& report, bool json) {
  if (json) {
    out << report.json << "\n";
    return;
  }
  for (const auto& part : report.text) {
    if (const auto* table = std::get_if<Table>(&part))
      table->print(out);
    else
      out << std::get<std::string>(part) << "\n";
  }
}

Result<Found> find_command(std::span<const CommandSpec> commands, const std::vector<std::string>& words,
                           std::size_t start) {
  Found best;
  bool found = false;
  for (std::size_t i = 0; i < commands.size(); ++i) {
    const auto name = split_words(commands[i].words);
    if (start + name.size() > words.size()) continue;
    if (!std::equal(name.begin(), name.end(), words.begin() + static_cast<std::ptrdiff_t>(start))) continue;
    if (!found || name.size() > best.words) best = {i, name.size()};
    found = true;
  }
  if (found) return best;
  if (start >= words.size()) return make_error(Errc::usage, "no command given");
  const std::string& group = words[start];
  std::string members;
  for (const auto& c : commands)
    if (first_word(c.words) == group) members += (members.empty() ? "" : ", ") + split_words(c.words).back();
  if (members.empty()) return make_error(Errc::usage, "no command '" + group + "'");
  const bool sub_given = start + 1 < words.size() && words[start + 1].rfind("-", 0) != 0;
  return make_error(Errc::usage, (sub_given ? "no command '" + group + " " + words[start + 1] + "'"
                                            : "'" + group + "' needs a subcommand") +
                                     " (" + members + ")");
}

bool is_group(std::span<const CommandSpec> commands, std::string_view word) {
  return std::any_of(commands.begin(), commands.end(),
                     [&](const CommandSpec& c) { return first_word(c.words) == word; });
}

void print_help(std::ostream& out, const ProgramSpec& program, std::span<const CommandSpec> commands) {
  out << program.name << " — " << program.tagline << "\n\nusage: " << program.name << " " << program.usage << "\n";
  std::vector<std::string_view> sections;
  for (const auto& c : commands)
    if (std::find(sections.begin(), sections.end(), c.section) == sections.end()) sections.push_back(c.section);
  for (const auto section : sections) {
    out << "\n" << section << "\n";
    for (const auto& c : commands)
      if (c.section == section) two_columns(out, "  " + usage_line(c), c.summary, 36);
  }
  out << "\noptions for every command\n";
  print_options(out, program.global_options, 2);
  out << "\n'" << program.name << " COMMAND --help' shows a command, its options and what it does.\n";
  if (!program.notes.empty()) out << "\n" << program.notes;
}

void print_group_help(std::ostream& out, const ProgramSpec& program, std::span<const CommandSpec> commands,
                      std::string_view group) {
  bool first = true;
  for (const auto& c : commands) {
    if (first_word(c.words) != group) continue;
    if (!first) out << "\n";
    first = false;
    print_command_help(out, program, c);
  }
}

void print_command_help(std::ostream& out, const ProgramSpec& program, const CommandSpec& command) {
  out << "usage: " << program.name << " " << usage_line(command) << "\n\n";
  indented(out, command.summary, 2);
  if (!command.options.empty()) {
    out << "\noptions\n";
    print_options(out, command.options, 2);
  }
  if (!command.details.empty()) {
    out << "\n";
    indented(out, command.details, 2);
  }
}

std::string man_page(const ProgramSpec& program, std::span<const CommandSpec> commands, std::string_view version) {
  std::ostringstream out;
  out << ".TH " << upper(program.name) << " 1 \"\" \"liaison " << version << "\" \"Liaison\"\n";
  out << ".SH NAME\n" << roff(program.name) << " \\- " << roff(program.tagline) << "\n";
  out << ".SH SYNOPSIS\n.B " << roff(program.name) << "\n" << roff(program.usage) << "\n";
  out << ".SH DESCRIPTION\n" << roff(program.description) << "\n";
  out << ".SH COMMANDS\n";
  std::vector<std::string_view> sections;
  for (const auto& c : commands)
    if (std::find(sections.begin(), sections.end(), c.section) == sections.end()) sections.push_back(c.section);
  for (const auto section : sections) {
    out << ".SS " << roff(section) << "\n";
    for (const auto& c : commands) {
      if (c.section != section) continue;
      out << ".TP\n.B " << roff(c.words) << (c.arguments.empty() ? "" : " \\fR" + roff(c.arguments)) << "\n"
          << roff(c.summary) << "\n";
      if (!c.options.empty()) {
        out << ".RS\n";
        for (const auto& o : c.options)
          out << ".TP\n.B \\-\\-" << roff(o.name) << (o.value.empty() ? "" : " \\fI" + roff(o.value) + "\\fR") << "\n"
              << roff(o.help) << "\n";
        out << ".RE\n";
      }
      if (!c.details.empty()) out << ".IP\n" << roff(c.details) << "\n";
    }
  }
  out << ".SH OPTIONS\n";
  for (const auto& o : program.global_options)
    out << ".TP\n.B \\-\\-" << roff(o.name) << (o.value.empty() ? "" : " \\fI" + roff(o.value) + "\\fR") << "\n"
        << roff(o.help) << "\n";
  if (!program.exit_status.empty()) out << ".SH EXIT STATUS\n" << roff(program.exit_status) << "\n";
  if (!program.environment.empty()) out << ".SH ENVIRONMENT\n" << roff(program.environment) << "\n";
  if (!program.files.empty()) out << ".SH FILES\n" << roff(program.files) << "\n";
  return out.str();
}

std::string bash_completion(const ProgramSpec& program, std::span<const CommandSpec> commands) {
  const std::string fn = shell_name(program.name);
  std::string globals;
  for (const auto& o : program.global_options) globals += " --" + std::string(o.name);
  // The words that may follow each prefix of a command's name.
  std::vector<std::pair<std::string, std::string>> next;  // prefix, word
  for (const auto& c : commands) {
    const auto name = split_words(c.words);
    std::string prefix;
    for (const auto& w : name) {
      if (std::find(next.begin(), next.end(), std::pair{prefix, w}) == next.end()) next.emplace_back(prefix, w);
      prefix += (prefix.empty() ? "" : " ") + w;
    }
  }
  std::vector<const CommandSpec*> by_length;
  for (const auto& c : commands) by_length.push_back(&c);
  std::stable_sort(by_length.begin(), by_length.end(), [](const CommandSpec* a, const CommandSpec* b) {
    return split_words(a->words).size() > split_words(b->words).size();
  });
  std::ostringstream out;
  out << "# bash completion for " << program.name << " (generated from its command table)\n";
  out << fn << "() {\n"
      << "  local cur=\"${COMP_WORDS[COMP_CWORD]}\" typed=() i\n"
      << "  for ((i = 1; i < COMP_CWORD; i++)); do\n"
      << "    [[ ${COMP_WORDS[i]} == -* ]] || typed+=(\"${COMP_WORDS[i]}\")\n"
      << "  done\n"
      << "  local key=\"${typed[*]}\" words=\"\"\n"
      << "  if [[ $cur == -* ]]; then\n"
      << "    case \"$key\" in\n";
  for (const CommandSpec* c : by_length) {
    std::string options;
    for (const auto& o : c->options) options += " --" + std::string(o.name);
    out << "      \"" << c->words << "\"|\"" << c->words << " \"*) words=\"" << options << " --help\" ;;\n";
  }
  out << "    esac\n"
      << "    words+=\"" << globals << "\"\n"
      << "  else\n"
      << "    case \"$key\" in\n";
  std::vector<std::string> prefixes;
  for (const auto& [prefix, word] : next)
    if (std::find(prefixes.begin(), prefixes.end(), prefix) == prefixes.end()) prefixes.push_back(prefix);
  for (const auto& prefix : prefixes) {
    std::string words;
    for (const auto& [p, w] : next)
      if (p == prefix) words += (words.empty() ? "" : " ") + w;
    out << "      \"" << prefix << "\") words=\"" << words << "\" ;;\n";
  }
  out << "    esac\n"
      << "  fi\n"
      << "  COMPREPLY=($(compgen -W \"$words\" -- \"$cur\"))\n"
      << "}\n"
      << "complete -F " << fn << " " << program.name << "\n";
  return out.str();
}

}  // namespace liaison::cli
