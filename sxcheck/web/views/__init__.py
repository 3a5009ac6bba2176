"""The pages of `sxcheck serve`, one module per kind of page; each exports ROUTES."""
