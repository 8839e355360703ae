// Package plots draws the figures (PNG and SVG, gonum/plot) and writes the
// tables (Markdown and LaTeX) of the reproduction from results/ only; it
// runs no model.
package plots
