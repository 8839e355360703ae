// Package arrowio reads and writes tables in the three formats ssmlab meets
// users' data in: Arrow IPC stream (what Hugging Face datasets caches as
// .arrow), Arrow IPC file ("ARROW1" magic, Feather v2) and Parquet (what the
// hub serves). It finds a dataset by path (a file, an HF save_to_disk folder,
// an HF cache folder, a folder of hub parquet shards), streams record batches,
// reads whole tables, and gives typed column access with one-line errors that
// name the file and the column.
//
// Every reader validates what it reads (offsets, buffer sizes, declared
// lengths against the file size) and recovers from panics in the underlying
// arrow-go code, so corrupt or truncated input is an error, never a crash.
// It imports nothing from ssmlab but internal helpers.
//
// Glossary: a record (batch) is a run of rows stored column by column; a
// table is the record batches of one or more files with one schema; a split
// is a named part of a dataset (train, validation, test) made of shard files.
package arrowio
