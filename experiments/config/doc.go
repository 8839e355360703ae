// Package config owns the experiment file format: the documented schema
// (Settings and its sections), strict TOML loading with includes and
// profiles, and sweep expansion into trials with stable keys. It knows no
// experiment kind (callers pass the registered kinds in Options); of the
// model packages it imports only the architecture registry (models and
// models/all, to fill and check model specs) and models/precision. experiments/SCHEMA.md is the reference for config authors;
// defaults.toml beside this file holds every default.
//
// Loading a file, in order:
//
//	defaults.toml < included presets (in order, recursively) < the file
//	  < [profile.NAME] of the merged result < one [sweep] point per trial
//
// Tables merge key by key; a later value (scalar or array) replaces an
// earlier one. Every file is strict-checked on its own, so an error names
// the file and line where the bad key was written.
package config
