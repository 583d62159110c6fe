"""Glue between the diagrams in bpmn/ and the database: definitions, instances, task rows, time."""
