"""The interactive demo (streamlit): `make demo`."""
