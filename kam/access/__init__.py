"""Access in one place: what a user may see (visibility) and what they may do (permissions).

Who manages whom is the org's (kam.org.visibility: team subtrees, visible people); this package
applies it to the domain's records. It sits just above org and below every domain app, and imports
only org, core and the apps' models, so every app can ask it and none is asked back.
"""
