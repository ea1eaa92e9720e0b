// raw_image_index.csv: RFC 4180 reading (with the legacy pandas quirks) and atomic writing.
#include <algorithm>
#include <charconv>
#include <cmath>
#include <limits>
#include <set>
#include <unordered_map>
#include <unordered_set>

#include <fmt/format.h>

#include "flamecare/error.hpp"
#include "flamecare/index.hpp"
#include "io/atomic_file.hpp"
#include "io/regular_file.hpp"
#include "util/text.hpp"

namespace flamecare {

const std::vector<std::string_view> kIndexColumns = {"id",
                                                     "image",
                                                     "imgarr_nframes",
                                                     "channels",
                                                     "height",
                                                     "width",
                                                     "dtype",
                                                     "bidirectional_correction",
                                                     "size_bytes",
                                                     "mtime_ns",
                                                     "sidecar_size_bytes",
                                                     "sidecar_mtime_ns",
                                                     "status",
                                                     "reason",
                                                     "image_bytes"};

std::string IndexEntry::reason_text() const {
  if (reason == ScreenReason::kNone) return "";
  return fmt::format("{}: {}", to_string(reason), reason_detail);
}

namespace {

// The status words of the CSV; the only place they are spelled.
constexpr std::pair<IndexStatus, std::string_view> kStatusWords[] = {
    {IndexStatus::kUnscreened, ""},
    {IndexStatus::kUsable, "usable"},
    {IndexStatus::kUnusable, "unusable"},
    {IndexStatus::kMissing, "missing"},
};

std::string_view status_word(IndexStatus status) {
  for (const auto& [s, word] : kStatusWords) {
    if (s == status) return word;
  }
  return "";
}

std::optional<IndexStatus> parse_status(std::string_view word) {
  for (const auto& [s, w] : kStatusWords) {
    if (w == word) return s;
  }
  return std::nullopt;
}

struct Record {
  std::size_t line = 0;  // physical line where the record starts
  std::vector<std::string> fields;
};

[[noreturn]] void corrupt(std::string_view source, std::size_t line, const std::string& what) {
  throw Error(ErrorKind::kCorrupt, fmt::format("{}: line {}: {}", source, line, what));
}

// Splits RFC 4180 text into records; quoted fields may hold commas, quotes and line breaks.
// Blank lines are skipped as pandas does. Lines are counted for error messages.
class CsvScanner {
 public:
  CsvScanner(std::string_view text, std::string_view source) : text_(text), source_(source) {
    if (text_.substr(0, 3) == "\xEF\xBB\xBF") text_.remove_prefix(3);
  }

  std::vector<Record> records() {
    std::vector<Record> out;
    while (i_ < text_.size()) {
      if (at_line_end()) {  // blank line
        skip_line_end();
        continue;
      }
      Record record{line_, {}};
      for (;;) {
        record.fields.push_back(peek() == '"' ? quoted_field() : plain_field());
        if (peek() != ',') break;
        ++i_;
      }
      skip_line_end();
      out.push_back(std::move(record));
    }
    return out;
  }

 private:
  char peek() const { return i_ < text_.size() ? text_[i_] : '\0'; }
  bool at_line_end() const { return peek() == '\n' || peek() == '\r'; }
  bool at_field_end() const { return i_ >= text_.size() || peek() == ',' || at_line_end(); }
  void skip_line_end() {
    if (peek() == '\r') ++i_;
    if (peek() == '\n') ++i_;
    ++line_;
  }

  std::string plain_field() {
    std::string field;
    while (!at_field_end()) {
      if (peek() == '"') corrupt(source_, line_, "quote inside an unquoted field");
      field += text_[i_++];
    }
    return field;
  }

  std::string quoted_field() {
    const std::size_t open_line = line_;
    std::string field;
    ++i_;
    for (;;) {
      if (i_ >= text_.size()) corrupt(source_, open_line, "quoted field is never closed");
      const char c = text_[i_++];
      if (c == '"' && peek() != '"') break;
      if (c == '"') ++i_;  // "" is one quote
      if (c == '\n') ++line_;
      field += c;
    }
    if (!at_field_end()) corrupt(source_, line_, "text after a closing quote");
    return field;
  }

  std::string_view text_;
  std::string_view source_;
  std::size_t i_ = 0;
  std::size_t line_ = 1;
};

bool is_dropped_column(std::string_view name) {
  if (name.empty() || name == "id" || name.starts_with("Unnamed: ")) return true;
  if (!name.starts_with("id.") || name.size() == 3) return false;
  return std::all_of(name.begin() + 3, name.end(), [](char c) { return c >= '0' && c <= '9'; });
}

// Integers as written by us ("12") or by pandas for a column holding NaN ("12.0").
template <class T>
std::optional<T> parse_integer(std::string_view text) {
  T value{};
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec == std::errc() && end == text.data() + text.size()) return value;
  double d = 0;
  const auto [dend, dec] = std::from_chars(text.data(), text.data() + text.size(), d);
  if (dec != std::errc() || dend != text.data() + text.size() || !std::isfinite(d) ||
      d != std::floor(d) || std::abs(d) > 9.0e15 || d < double(std::numeric_limits<T>::min()) ||
      d > double(std::numeric_limits<T>::max())) {
    return std::nullopt;
  }
  return static_cast<T>(d);
}

class RowReader {
 public:
  RowReader(const Record& record, const std::unordered_map<std::string, std::size_t>& columns,
            std::string_view source)
      : record_(record), columns_(columns), source_(source) {}

  const std::string* text(const std::string& column) const {
    const auto it = columns_.find(column);
    return it == columns_.end() ? nullptr : &record_.fields[it->second];
  }
  template <class T>
  std::optional<T> number(const std::string& column) const {
    const std::string* value = text(column);
    if (value == nullptr || value->empty()) return std::nullopt;
    const auto parsed = parse_integer<T>(*value);
    if (!parsed) {
      corrupt(source_, record_.line,
              fmt::format("{} '{}' is not an integer", column, detail::printable(*value)));
    }
    return parsed;
  }
  std::string string(const std::string& column) const {
    const std::string* value = text(column);
    return value == nullptr ? std::string() : *value;
  }

 private:
  const Record& record_;
  const std::unordered_map<std::string, std::size_t>& columns_;
  std::string_view source_;
};

std::unordered_map<std::string, std::size_t> map_header(const Record& header,
                                                        std::string_view source) {
  std::unordered_map<std::string, std::size_t> columns;
  for (std::size_t c = 0; c < header.fields.size(); ++c) {
    const std::string& name = header.fields[c];
    if (name == "id" && !columns.contains("id")) {
      columns.emplace(name, c);
    } else if (!is_dropped_column(name)) {
      columns.emplace(name, c);  // a repeated unknown name keeps its first column
    }
  }
  for (const char* required : {"id", "image"}) {
    if (!columns.contains(required)) {
      corrupt(source, header.line, fmt::format("header has no '{}' column", required));
    }
  }
  return columns;
}

// "<code>: <detail>" into the entry; false when the code is unknown (the row is screened again).
bool parse_reason(const std::string& text, IndexEntry& entry) {
  const auto colon = text.find(':');
  const auto reason = parse_screen_reason(std::string_view(text).substr(0, colon));
  if (!reason) return false;
  entry.reason = *reason;
  entry.reason_detail = colon == std::string::npos ? "" : text.substr(colon + 1);
  if (entry.reason_detail.starts_with(' ')) entry.reason_detail.erase(0, 1);
  return true;
}

std::optional<FileStamp> sidecar_stamp(const RowReader& row) {
  const auto size = row.number<std::uint64_t>("sidecar_size_bytes");
  const auto mtime = row.number<std::int64_t>("sidecar_mtime_ns");
  if (!size || !mtime) return std::nullopt;
  return FileStamp{*size, *mtime};
}

// The exact path: `image_bytes` (percent-encoded bytes) when given, else `image`.
std::string exact_path(const RowReader& row, const Record& record, std::string_view source) {
  const std::string encoded = row.string("image_bytes");
  if (encoded.empty()) return row.string("image");
  auto bytes = detail::percent_decode(encoded);
  if (!bytes) corrupt(source, record.line, "image_bytes is not percent-encoded");
  return std::move(*bytes);
}

IndexEntry parse_row(const RowReader& row, const Record& record, std::string_view source,
                     bool complete) {
  IndexEntry entry;
  const std::string id_text = row.string("id");
  std::int64_t id = -1;
  const auto [end, ec] = std::from_chars(id_text.data(), id_text.data() + id_text.size(), id);
  if (ec != std::errc() || end != id_text.data() + id_text.size() || id < 0) {
    corrupt(
        source, record.line,
        fmt::format("id '{}' is not a non-negative 64-bit integer", detail::printable(id_text)));
  }
  entry.id = id;
  entry.image = exact_path(row, record, source);
  if (entry.image.empty()) corrupt(source, record.line, "image path is empty");
  entry.frames = row.number<int>("imgarr_nframes");
  entry.channels = row.number<int>("channels").value_or(0);
  entry.height = row.number<int>("height").value_or(0);
  entry.width = row.number<int>("width").value_or(0);
  entry.dtype = row.string("dtype");
  entry.bidirectional_correction = row.number<int>("bidirectional_correction");
  entry.size_bytes = row.number<std::uint64_t>("size_bytes").value_or(0);
  entry.mtime_ns = row.number<std::int64_t>("mtime_ns").value_or(0);
  entry.sidecar = sidecar_stamp(row);
  const std::string status = row.string("status");
  const auto parsed = parse_status(status);
  if (!parsed) {
    corrupt(source, record.line, fmt::format("unknown status '{}'", detail::printable(status)));
  }
  entry.status = *parsed;
  const bool known_reason = parse_reason(row.string("reason"), entry);
  if (entry.status == IndexStatus::kUsable) {
    entry.reason = ScreenReason::kNone;
    entry.reason_detail.clear();
  }
  // Without the fingerprint columns we cannot tell whether the old result still holds, and an
  // unusable row without a known reason code has none to give: screen them again.
  const bool unknown = entry.status == IndexStatus::kUnusable && !known_reason;
  if ((!complete || unknown) && entry.status != IndexStatus::kMissing) {
    entry.status = IndexStatus::kUnscreened;
  }
  return entry;
}

void append_field(std::string& out, std::string_view field) {
  if (field.find_first_of(",\"\r\n") == std::string_view::npos) {
    out += field;
    return;
  }
  out += '"';
  for (const char c : field) {
    if (c == '"') out += '"';
    out += c;
  }
  out += '"';
}

}  // namespace

ImageIndex parse_index_csv(std::string_view text, std::string_view source) {
  const std::vector<Record> records = CsvScanner(text, source).records();
  ImageIndex index;
  if (records.empty()) return index;
  const auto columns = map_header(records.front(), source);
  bool complete = true;
  for (const char* column : {"imgarr_nframes", "size_bytes", "mtime_ns", "sidecar_size_bytes",
                             "sidecar_mtime_ns", "status"}) {
    complete = complete && columns.contains(column);
  }
  const std::size_t width = records.front().fields.size();
  std::unordered_set<std::int64_t> ids;
  std::unordered_set<std::string> paths;
  for (std::size_t r = 1; r < records.size(); ++r) {
    const Record& record = records[r];
    if (record.fields.size() != width) {
      corrupt(source, record.line,
              fmt::format("{} fields but the header has {}", record.fields.size(), width));
    }
    IndexEntry entry = parse_row(RowReader(record, columns, source), record, source, complete);
    if (!ids.insert(entry.id).second) {
      corrupt(source, record.line, fmt::format("duplicate id {}", entry.id));
    }
    if (!paths.insert(entry.image).second) {
      corrupt(source, record.line,
              fmt::format("duplicate image path '{}'", detail::printable(entry.image)));
    }
    index.entries.push_back(std::move(entry));
  }
  std::sort(index.entries.begin(), index.entries.end(),
            [](const IndexEntry& a, const IndexEntry& b) { return a.id < b.id; });
  return index;
}

std::string format_index_csv(const ImageIndex& index) {
  std::vector<const IndexEntry*> rows;
  rows.reserve(index.entries.size());
  for (const auto& entry : index.entries) rows.push_back(&entry);
  std::sort(rows.begin(), rows.end(),
            [](const IndexEntry* a, const IndexEntry* b) { return a->id < b->id; });
  std::string out = fmt::format("{}\n", fmt::join(kIndexColumns, ","));
  for (const IndexEntry* e : rows) {
    out += fmt::format("{},", e->id);
    append_field(out, detail::printable(e->image));
    out += ',';
    if (e->frames) out += fmt::format("{}", *e->frames);
    out += fmt::format(",{},{},{},", e->channels, e->height, e->width);
    append_field(out, detail::printable(e->dtype));
    out += ',';
    if (e->bidirectional_correction) out += fmt::format("{}", *e->bidirectional_correction);
    out += fmt::format(",{},{},", e->size_bytes, e->mtime_ns);
    if (e->sidecar)
      out += fmt::format("{},{}", e->sidecar->size_bytes, e->sidecar->mtime_ns);
    else
      out += ',';
    out += ',';
    append_field(out, status_word(e->status));
    out += ',';
    append_field(out, detail::one_line(detail::printable(e->reason_text())));
    out += ',';
    if (!detail::is_valid_utf8(e->image)) append_field(out, detail::percent_encode(e->image));
    out += '\n';
  }
  return out;
}

ImageIndex read_index_csv(const std::filesystem::path& csv) {
  return parse_index_csv(detail::read_regular_file(csv, kMaxIndexBytes),
                         detail::printable(csv.native()));
}

void write_index_csv(const std::filesystem::path& csv, const ImageIndex& index) {
  detail::write_file_atomic(csv, format_index_csv(index));
}

}  // namespace flamecare
