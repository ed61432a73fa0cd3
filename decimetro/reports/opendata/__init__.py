"""The open data of Decimetro: one bulk download per data version (a zip of standard CSVs and a Frictionless
`datapackage.json`, `bundle.py`), the tables in it (`resources.py`) and the DCAT-AP_IT catalogue that
describes it to the national catalogue (`catalogue.py`). Built by a task (`reports.tasks`) after every
import and on demand, kept under MEDIA_ROOT."""
