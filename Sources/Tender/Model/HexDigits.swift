/// The digits of lower-case hexadecimal as UTF-8 code units, for the UUIDs, digests and JSON
/// escapes Tender writes.
package let lowercaseHexDigits = Array("0123456789abcdef".utf8)
