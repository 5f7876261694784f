def handler(event, context):
    print "python 2 syntax"
