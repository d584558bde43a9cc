"""The ground floor: settings, database, time, schedules, calendars, errors, labels and words.

It imports nothing of the project; every other package may import it.
"""
