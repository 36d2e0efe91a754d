"""Word in: blank .docx forms, and uploaded Word documents read into a reviewed draft."""
