"""The only package that knows SQL: tables, repositories, the unit of work, bot state and migrations."""
