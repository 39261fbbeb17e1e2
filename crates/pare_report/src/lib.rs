//! pare's renderers: table, json, sarif, markdown for every report.
