// Tests for node identity (`county:device` from a certificate CN): which ids
// parse, what scope/device they name, and that a bad id is refused with a
// message that says what is wrong with it.
#include "shared/node_id.hpp"

#include <doctest/doctest.h>

#include <string>

namespace liaison {
namespace {

// The id must be refused as invalid_argument with a message mentioning `says`.
void check_refused(const std::string& text, const std::string& says) {
  CAPTURE(text);
  const auto id = NodeId::parse(text);
  REQUIRE_FALSE(id.ok());
  CAPTURE(id.error().message);
  CHECK(id.error().code == Errc::invalid_argument);
  CHECK(id.error().message.find(says) != std::string::npos);
  CHECK(id.error().recovery() == Recovery::person);
}

}  // namespace

TEST_CASE("the city hub and a county field laptop are valid node ids") {
  const auto hub = NodeId::parse("city:hub");
  REQUIRE(hub.ok());
  CHECK(hub->str() == "city:hub");
  CHECK(hub->scope() == "city");
  CHECK(hub->device() == "hub");
  CHECK(hub->is_city());
  CHECK_FALSE(hub->empty());

  const auto field = NodeId::parse("longyou:field-2");
  REQUIRE(field.ok());
  CHECK(field->str() == "longyou:field-2");
  CHECK(field->scope() == "longyou");
  CHECK(field->device() == "field-2");
  CHECK_FALSE(field->is_city());
}

TEST_CASE("every one of the six counties is a valid scope") {
  for (const auto county : kCounties) {
    CAPTURE(county);
    CHECK(is_county(county));
    const auto id = NodeId::parse(std::string(county) + ":office-1");
    REQUIRE(id.ok());
    CHECK(id->scope() == county);
    CHECK(id->device() == "office-1");
  }
  CHECK_FALSE(is_county("city"));  // the city is a scope, not a county
  CHECK_FALSE(is_county("hangzhou"));
}

TEST_CASE("a default NodeId is empty and ids compare by text") {
  CHECK(NodeId{}.empty());
  const auto a = NodeId::parse("kaihua:office-1").value();
  const auto b = NodeId::parse("longyou:office-1").value();
  CHECK(a == NodeId::parse("kaihua:office-1").value());
  CHECK(a != b);
  CHECK(a < b);
}

TEST_CASE("an id without a colon is refused with the expected form in the message") {
  check_refused("longyou", "has no ':'");
  check_refused("longyou", "county:device");
  check_refused("", "has no ':'");
}

TEST_CASE("a slash instead of a colon is refused (the CN form uses ':')") {
  check_refused("longyou/office-1", "has no ':'");
  check_refused("longyou:office/1", "bad device name");
}

TEST_CASE("an unknown county is refused and the message lists the valid ones") {
  check_refused("hangzhou:office-1", "unknown office 'hangzhou'");
  check_refused("hangzhou:office-1", "kaihua");
  check_refused(":office-1", "unknown office ''");
}

TEST_CASE("uppercase is refused in the county and in the device") {
  check_refused("Longyou:office-1", "unknown office 'Longyou'");
  check_refused("longyou:Office-1", "bad device name");
  check_refused("CITY:hub", "unknown office");
}

TEST_CASE("an empty device is refused") {
  check_refused("longyou:", "bad device name");
  check_refused("city:", "1 to 32");
}

TEST_CASE("a device of 32 characters is accepted, 33 refused") {
  const std::string d32(32, 'a');
  const auto ok = NodeId::parse("qujiang:" + d32);
  REQUIRE(ok.ok());
  CHECK(ok->device() == d32);
  check_refused("qujiang:" + std::string(33, 'a'), "1 to 32");
}

TEST_CASE("other characters in the device are refused") {
  check_refused("longyou:office_1", "bad device name");
  check_refused("longyou:office 1", "bad device name");
  check_refused("longyou:office:1", "bad device name");
  check_refused("longyou:办公室", "bad device name");
}

TEST_CASE("the message quotes the offending id (cut short when it is huge)") {
  const auto id = NodeId::parse("nowhere:x");
  REQUIRE_FALSE(id.ok());
  CHECK(id.error().message.find("'nowhere:x'") != std::string::npos);

  const auto huge = NodeId::parse(std::string(10'000, 'x'));
  REQUIRE_FALSE(huge.ok());
  CHECK(huge.error().message.size() < 300);
}

}  // namespace liaison
