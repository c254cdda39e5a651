"""Pure domain types: phone numbers, ID numbers, fraud types, levels, data formats. No I/O."""
