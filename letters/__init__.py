"""The council's letter template and the .docx rendering: file and document I/O, kept out of casework."""
