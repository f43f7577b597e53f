"""Wire formats: pure translation between unified values and one API's JSON."""
